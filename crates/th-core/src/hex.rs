//! Lowercase hex of digests: JustClick's md5 signatures, the sandbox's key labels, ADFOX's
//! password hash, the Redis store's account ids.
//!
//! Written here rather than taken from the `hex` crate: one table lookup a byte, used by five
//! callers, one of them (JustClick's signing) on the stack in its hot path; a dependency would
//! add more than it saves.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The two lowercase hex digits of `byte`.
pub const fn pair(byte: u8) -> [u8; 2] {
    [DIGITS[(byte >> 4) as usize], DIGITS[(byte & 15) as usize]]
}

/// Appends the lowercase hex of `bytes` to `out`.
pub fn push(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        let [hi, lo] = pair(b);
        out.push(char::from(hi));
        out.push(char::from(lo));
    }
}

/// The lowercase hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_as_two_lowercase_digits() {
        for b in 0..=255u8 {
            assert_eq!(encode(&[b]), format!("{b:02x}"));
            assert_eq!(pair(b), format!("{b:02x}").as_bytes());
        }
        let mut s = String::from("k-");
        push(&mut s, &[0xde, 0xad, 0x01]);
        assert_eq!(s, "k-dead01");
        assert_eq!(encode(&[]), "");
    }
}
