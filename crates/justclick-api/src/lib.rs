//! justclick client (in progress).
