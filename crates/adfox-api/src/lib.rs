//! adfox client (in progress).
