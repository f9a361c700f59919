//! radist client (in progress).
