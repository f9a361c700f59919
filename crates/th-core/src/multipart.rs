//! `multipart/form-data` bodies (being built for ADFOX banner uploads).
