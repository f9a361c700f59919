//! Credentials that never print.
//!
//! [`Secret`] wraps [`secrecy::SecretString`]: the value is zeroized on drop, and both `Debug` and
//! `Display` print `[redacted]`. The only way to read it is [`Secret::expose`], which makes every
//! place that touches the plain value easy to find in review.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The text printed in place of a secret.
pub const REDACTED: &str = "[redacted]";

/// A stand-in that prints `[redacted]` (unquoted) with `Debug`: what a generated request's
/// `Debug` shows in place of a param its spec marks `secret = true`.
///
/// ```
/// use th_core::secret::Redacted;
/// assert_eq!(format!("{:?}", Some(Redacted)), "Some([redacted])");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// An API key, signing key, password or password hash.
///
/// ```
/// use th_core::Secret;
/// let key = Secret::new("cd29334cb46d4f83");
/// assert_eq!(format!("{key:?} {key}"), "[redacted] [redacted]");
/// assert_eq!(key.expose(), "cd29334cb46d4f83");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The plain value. Call it only where the value goes on the wire or into a hash.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// `true` when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison, so that comparing secrets leaks no timing.
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.expose().as_bytes(), other.expose().as_bytes())
    }
}

impl Eq for Secret {}

/// Replaces every occurrence of each secret in `text` with `[redacted]`.
///
/// For text a server sent back (error bodies may echo a key). Secrets shorter than 4 bytes are
/// left alone: replacing them would shred ordinary text and hide nothing.
pub fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let plain = secret.expose();
        if plain.len() >= 4 && out.contains(plain) {
            out = out.replace(plain, REDACTED);
        }
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
///
/// A thin wrapper over [`subtle::ConstantTimeEq`]: the comparison that must not leak where two
/// secrets differ is left to the crate the Rust crypto ecosystem (rustls, RustCrypto) relies on
/// for exactly this, whose optimisation barriers are maintained against new compilers, rather
/// than to a hand-written loop. Unequal lengths answer `false` at once (lengths are not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let s = Secret::new("top-secret-value");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(
            format!("{:#?}", Some(s.clone())),
            "Some(\n    [redacted],\n)"
        );
        assert_eq!(s.expose(), "top-secret-value");
    }

    #[test]
    fn scrubs() {
        let key = Secret::new("abcd1234");
        assert_eq!(
            scrub("key abcd1234 and abcd1234", &[&key]),
            "key [redacted] and [redacted]"
        );
        assert_eq!(scrub("a b", &[&Secret::new("a")]), "a b");
    }

    #[test]
    fn compares() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }
}
