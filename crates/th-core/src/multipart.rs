//! A small `multipart/form-data` body builder (RFC 7578), for file uploads.
//!
//! Parts are kept until [`Multipart::finish`], which picks a boundary that occurs in no part
//! (deterministically: the same parts give the same bytes) and writes the body. Field names and
//! file names are quoted; `"`, CR and LF in them are percent-encoded as browsers do, so a name
//! cannot break out of its header.
//!
//! Why hand-written: the one upload (ADFOX's banner zip) needs a body as plain bytes that every
//! [`Transport`](crate::Transport) can send, retried byte for byte and pinned by wire tests.
//! `reqwest::multipart` exists only with the `reqwest` feature (not for `HyperTransport`),
//! streams its body and picks a random boundary; the maintained crates on crates.io for this are
//! parsers (`multer`) or tied to an HTTP stack. Writing RFC 7578's subset (no nested parts, no
//! transfer encodings) is these ~100 lines, fully tested.
//!
//! ```
//! use th_core::multipart::Multipart;
//!
//! let (content_type, body) = Multipart::new()
//!     .text("encoding", "UTF-8")
//!     .file("zipFile", "banner.zip", "application/zip", &b"PK\x03\x04"[..])
//!     .finish();
//! assert!(content_type.starts_with("multipart/form-data; boundary="));
//! let text = String::from_utf8_lossy(&body);
//! assert!(text.contains("Content-Disposition: form-data; name=\"zipFile\"; filename=\"banner.zip\"\r\n"));
//! ```

use bytes::Bytes;

#[derive(Debug, Clone)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

/// A `multipart/form-data` body under construction.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

/// The boundary prefix; a counter is appended until the boundary is found in no part.
const BOUNDARY_PREFIX: &str = "----th-core-form-boundary-";

impl Multipart {
    /// An empty body.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: None,
            content_type: None,
            data: Bytes::copy_from_slice(value.as_bytes()),
        });
        self
    }

    /// Adds a file field with its file name and content type.
    pub fn file(
        mut self,
        name: &str,
        file_name: &str,
        content_type: &str,
        data: impl Into<Bytes>,
    ) -> Self {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: Some(file_name.to_owned()),
            content_type: Some(sanitize_header(content_type)),
            data: data.into(),
        });
        self
    }

    /// How many parts were added.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// `true` when no part was added.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The `Content-Type` header value (with the boundary) and the body bytes.
    pub fn finish(self) -> (String, Bytes) {
        let boundary = self.pick_boundary();
        let size: usize = self
            .parts
            .iter()
            .map(|p| p.data.len() + p.name.len() + 128)
            .sum();
        let mut out = Vec::with_capacity(size + boundary.len() + 8);
        for part in &self.parts {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            out.extend_from_slice(quote(&part.name).as_bytes());
            out.push(b'"');
            if let Some(file_name) = &part.file_name {
                out.extend_from_slice(b"; filename=\"");
                out.extend_from_slice(quote(file_name).as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"\r\n");
            if let Some(ct) = &part.content_type {
                out.extend_from_slice(b"Content-Type: ");
                out.extend_from_slice(ct.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"--\r\n");
        (
            format!("multipart/form-data; boundary={boundary}"),
            Bytes::from(out),
        )
    }

    fn pick_boundary(&self) -> String {
        // Each part can rule out at most a few candidates, so this ends within parts + 1 tries;
        // the bound is only a guard.
        let limit = self.parts.len() as u64 * 4 + 2;
        let mut n: u64 = 0;
        loop {
            let candidate = format!("{BOUNDARY_PREFIX}{n:016x}");
            let clash = self
                .parts
                .iter()
                .any(|p| contains(&p.data, candidate.as_bytes()));
            if !clash || n >= limit {
                return candidate;
            }
            n += 1;
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A name inside a quoted header parameter: `"`, CR and LF percent-encoded (as browsers do).
fn quote(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn sanitize_header(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let (ct, body) = Multipart::new()
            .text("a", "1")
            .file("f", "x.zip", "application/zip", &b"PK"[..])
            .finish();
        let b = "----th-core-form-boundary-0000000000000000";
        assert_eq!(ct, format!("multipart/form-data; boundary={b}"));
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.zip\"\r\n\
             Content-Type: application/zip\r\n\r\nPK\r\n--{b}--\r\n"
        );
        assert_eq!(String::from_utf8_lossy(&body), want);
    }

    #[test]
    fn boundary_avoids_content_and_names_are_quoted() {
        let evil = "----th-core-form-boundary-0000000000000000";
        let (ct, body) = Multipart::new().text("x\"\r\nInjected: 1", evil).finish();
        assert!(ct.ends_with("0000000000000001"), "{ct}");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("name=\"x%22%0D%0AInjected: 1\""), "{text}");
        assert!(!text.contains("\r\nInjected"), "{text}");
    }

    #[test]
    fn empty() {
        let m = Multipart::new();
        assert!(m.is_empty());
        let (_, body) = m.finish();
        assert_eq!(
            &body[..],
            b"------th-core-form-boundary-0000000000000000--\r\n"
        );
    }
}
