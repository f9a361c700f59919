//! The tokens of an XML answer, read straight off the `&str` the client already holds.
//!
//! The grammar is quick-xml's, as the decoder configured it before (end names checked, no
//! unmatched ends, comments not checked for `--`), so it accepts and refuses what quick-xml did:
//! the test `agrees_with_quick_xml` replays generated documents through both, quick-xml the
//! oracle. Two things differ on purpose:
//!
//! - a `<!DOCTYPE>` is refused: the API sends none, and a DTD is where entity tricks live;
//! - references are resolved here, into [`Token::Ref`]: the five predefined entities and
//!   character references (not NUL, not a surrogate); any other name is an error.
//!
//! Why hand-written and not quick-xml itself (speed, measured): on a 1000-row page quick-xml 0.42
//! validated UTF-8 again for every event of an input that is a `&str` already (19 % of the whole
//! decode under callgrind; "about 70 % of the decode was quick-xml"), and copied every open
//! element's name to check its end. Here every token is a slice of the input cut at ASCII
//! delimiters, so no slice needs checking, and the open names are slices too: "3.36 -> 2.19 ms
//! a 1000-row page" (commit 26a09be; docs/benchmarks.md, `adfox_decode_vs_php`). The cost is
//! kept in check by the oracle test above (50 000 generated documents agree token for token)
//! and `cargo xtask fuzz adfox_xml` ("1.36 M inputs over it without a finding").

use memchr::{memchr, memchr2, memchr3};

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name ...>`: the name as written, attributes skipped.
    Start(&'a str),
    /// `<name .../>`.
    Empty(&'a str),
    /// `</name>`, checked against the open element.
    End,
    /// Character data up to the next `<` or `&`, never empty.
    Text(&'a str),
    /// A resolved `&...;` reference.
    Ref(char),
    /// The inside of `<![CDATA[...]]>`.
    CData(&'a str),
    /// `<!--...-->`.
    Comment,
    /// `<?xml ...?>`.
    Decl,
    /// Any other `<?...?>`.
    Pi,
    /// The end of the input.
    Eof,
}

/// Why the input is not XML, and where (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    /// The byte offset of the token that failed.
    pub at: usize,
    /// What is wrong.
    pub what: String,
}

/// The tokens of one input, in order.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    /// The names of the open elements, outermost first.
    open: Vec<&'a str>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `input` (a UTF-8 byte order mark is skipped).
    pub(crate) fn new(input: &'a str) -> Self {
        let input = input.strip_prefix('\u{feff}').unwrap_or(input);
        Lexer {
            input,
            pos: 0,
            open: Vec::with_capacity(16),
        }
    }

    /// `input[from..to]`. Every cut is at an ASCII byte (or the ends), so it is a char boundary;
    /// `get` checks that anyway, and a failure is reported instead of a panic.
    fn slice(&self, from: usize, to: usize) -> Result<&'a str, LexError> {
        self.input.get(from..to).ok_or_else(|| LexError {
            at: from,
            what: "a token cut inside a character".into(),
        })
    }

    fn fail<T>(&self, at: usize, what: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            at,
            what: what.into(),
        })
    }

    /// The next token.
    pub(crate) fn next(&mut self) -> Result<Token<'a>, LexError> {
        let bytes = self.input.as_bytes();
        let at = self.pos;
        let Some(&first) = bytes.get(at) else {
            return Ok(Token::Eof);
        };
        match first {
            b'<' => self.markup(at),
            b'&' => self.reference(at),
            _ => {
                let rest = bytes.get(at..).unwrap_or_default();
                let end = memchr2(b'<', b'&', rest).map_or(bytes.len(), |i| at + i);
                self.pos = end;
                Ok(Token::Text(self.slice(at, end)?))
            }
        }
    }

    /// The position of `needle` at or after `from`.
    fn find(&self, from: usize, needle: &[u8]) -> Option<usize> {
        let hay = self.input.as_bytes().get(from..)?;
        memchr::memmem::find(hay, needle).map(|i| from + i)
    }

    fn markup(&mut self, at: usize) -> Result<Token<'a>, LexError> {
        let bytes = self.input.as_bytes();
        match bytes.get(at + 1) {
            None => self.fail(at, "a lone '<' at the end"),
            Some(b'/') => self.end_tag(at),
            Some(b'?') => {
                // The '?' of `<?` may close it too, as in quick-xml: `<?>` is refused.
                let q = match self.find(at + 1, b"?>") {
                    Some(q) if q > at + 1 => q,
                    _ => return self.fail(at, "an unclosed processing instruction"),
                };
                let content = self.slice(at + 2, q)?;
                self.pos = q + 2;
                let decl = content
                    .strip_prefix("xml")
                    .is_some_and(|rest| rest.bytes().next().is_none_or(is_space));
                Ok(if decl { Token::Decl } else { Token::Pi })
            }
            Some(b'!') => {
                let rest = bytes.get(at..).unwrap_or_default();
                if rest.starts_with(b"<!--") {
                    let Some(end) = self.find(at + 4, b"-->") else {
                        return self.fail(at, "an unclosed comment");
                    };
                    self.pos = end + 3;
                    Ok(Token::Comment)
                } else if rest.starts_with(b"<![CDATA[") {
                    let Some(end) = self.find(at + 9, b"]]>") else {
                        return self.fail(at, "an unclosed CDATA section");
                    };
                    self.pos = end + 3;
                    Ok(Token::CData(self.slice(at + 9, end)?))
                } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
                    self.fail(at, "a DOCTYPE is not accepted")
                } else {
                    self.fail(at, "'<!' that starts no comment or CDATA section")
                }
            }
            Some(_) => self.start_tag(at),
        }
    }

    fn start_tag(&mut self, at: usize) -> Result<Token<'a>, LexError> {
        let bytes = self.input.as_bytes();
        // The closing '>', outside quoted attribute values.
        let mut i = at + 1;
        let gt = loop {
            let rest = bytes.get(i..).unwrap_or_default();
            let Some(j) = memchr3(b'>', b'"', b'\'', rest) else {
                return self.fail(at, "an unclosed tag");
            };
            let k = i + j;
            match bytes[k] {
                b'>' => break k,
                quote => {
                    let after = bytes.get(k + 1..).unwrap_or_default();
                    let Some(close) = memchr(quote, after) else {
                        return self.fail(at, "an unclosed attribute value");
                    };
                    i = k + 1 + close + 1;
                }
            }
        };
        self.pos = gt + 1;
        // `bytes[at]` is the '<', so `gt - 1 >= at` and a '/' there is the tag's own.
        let empty = bytes[gt - 1] == b'/';
        let content_end = if empty { gt - 1 } else { gt };
        let content = bytes.get(at + 1..content_end).unwrap_or_default();
        let name_len = content
            .iter()
            .position(|&b| is_space(b))
            .unwrap_or(content.len());
        let name = self.slice(at + 1, at + 1 + name_len)?;
        if empty {
            Ok(Token::Empty(name))
        } else {
            self.open.push(name);
            Ok(Token::Start(name))
        }
    }

    fn end_tag(&mut self, at: usize) -> Result<Token<'a>, LexError> {
        let bytes = self.input.as_bytes();
        let rest = bytes.get(at + 2..).unwrap_or_default();
        let Some(j) = memchr(b'>', rest) else {
            return self.fail(at, "an unclosed end tag");
        };
        let gt = at + 2 + j;
        self.pos = gt + 1;
        let content = self.slice(at + 2, gt)?;
        let name = content.trim_end_matches([' ', '\t', '\r', '\n']);
        match self.open.pop() {
            Some(open) if open == name => Ok(Token::End),
            Some(open) => self.fail(at, format!("</{name}> closes <{open}>")),
            None => self.fail(at, format!("</{name}> closes nothing")),
        }
    }

    fn reference(&mut self, at: usize) -> Result<Token<'a>, LexError> {
        let bytes = self.input.as_bytes();
        let rest = bytes.get(at + 1..).unwrap_or_default();
        let semi = match memchr3(b';', b'&', b'<', rest) {
            Some(j) if rest[j] == b';' => at + 1 + j,
            _ => return self.fail(at, "an '&' without its ';'"),
        };
        self.pos = semi + 1;
        let name = self.slice(at + 1, semi)?;
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => match name.strip_prefix('#') {
                Some(number) => char_ref(number),
                None => return self.fail(at, format!("unknown entity &{name};")),
            },
        };
        match ch {
            Some(c) => Ok(Token::Ref(c)),
            None => self.fail(at, format!("invalid character reference &{name};")),
        }
    }
}

/// `#1046` / `#x416` without the `#`: the character, unless NUL or not a scalar value.
fn char_ref(number: &str) -> Option<char> {
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document() {
        use Token::*;
        assert_eq!(
            our_tokens(
                "\u{feff}<?xml version=\"1.0\"?><?pi x?><r a='>' b=\"/>\">t&amp;&#1046;&#x416;\
                 <e/><e x='1' /><!-- c --><![CDATA[<&>]]></r >\n"
            ),
            Ok(vec![
                Decl,
                Pi,
                Start("r"),
                Text("t"),
                Ref('&'),
                Ref('Ж'),
                Ref('Ж'),
                Empty("e"),
                Empty("e"),
                Comment,
                CData("<&>"),
                End,
                Text("\n"),
            ])
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "<",
            "<a",
            "<a b='>",
            "<a></b>",
            "</a>",
            "<a>&bogus;</a>",
            "<a>&amp</a>",
            "<a>&#0;</a>",
            "<a>&#xD800;</a>",
            "<a>&#+1;</a>",
            "<a>&#;</a>",
            "<!-- x",
            "<![CDATA[x",
            "<?pi",
            "<!DOCTYPE r>",
            "<!x>",
            "</a",
        ] {
            assert!(our_tokens(bad).is_err(), "{bad:?}");
        }
    }

    /// What quick-xml makes of `input`, as tokens: `Err(i)` when its `i`-th event is an error
    /// (or a DOCTYPE, which we refuse, or a reference we cannot resolve).
    fn quick_xml_tokens(input: &str) -> Result<Vec<Token<'_>>, usize> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(input);
        reader.config_mut().check_end_names = true;
        let mut out = Vec::new();
        loop {
            let Ok(event) = reader.read_event() else {
                return Err(out.len());
            };
            let token = match event {
                Event::Eof => return Ok(out),
                // Names and texts borrow from the input (`from_str`): find them there.
                Event::Start(s) => Token::Start(within(input, s.name().as_ref())),
                Event::Empty(s) => Token::Empty(within(input, s.name().as_ref())),
                Event::End(_) => Token::End,
                Event::Text(t) => Token::Text(within(input, &t)),
                Event::CData(c) => Token::CData(within(input, &c)),
                Event::GeneralRef(r) => {
                    let ch = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &*r {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match ch {
                        Some(c) => Token::Ref(c),
                        None => return Err(out.len()),
                    }
                }
                Event::Comment(_) => Token::Comment,
                Event::Decl(_) => Token::Decl,
                Event::PI(_) => Token::Pi,
                Event::DocType(_) => return Err(out.len()),
            };
            out.push(token);
        }
    }

    /// `part`, a slice of `input`, with `input`'s lifetime.
    fn within<'a>(input: &'a str, part: &str) -> &'a str {
        let off = part.as_ptr() as usize - input.as_ptr() as usize;
        &input[off..off + part.len()]
    }

    /// Our tokens up to the end, `Err(i)` when the `i`-th fails.
    fn our_tokens(input: &str) -> Result<Vec<Token<'_>>, usize> {
        let mut lexer = Lexer::new(input);
        let mut out = Vec::new();
        loop {
            match lexer.next() {
                Ok(Token::Eof) => return Ok(out),
                Ok(t) => out.push(t),
                Err(_) => return Err(out.len()),
            }
        }
    }

    /// Documents made of fragments that hit every branch, well- and ill-formed, replayed
    /// through both lexers: the same tokens, and a failure at the same token.
    #[test]
    fn agrees_with_quick_xml() {
        const PARTS: &[&str] = &[
            "<a>",
            "</a>",
            "<b x='>' y=\"'\">",
            "</b >",
            "<c/>",
            "<c />",
            "<row0>",
            "</row0>",
            "<ж>",
            "</ж>",
            "<>",
            "</>",
            "<a",
            "</a",
            "<",
            ">",
            "/",
            "'",
            "\"",
            "&",
            ";",
            "&amp;",
            "&lt;",
            "&#1046;",
            "&#x416;",
            "&#0;",
            "&#xD800;",
            "&#+1;",
            "&bogus;",
            "&#;",
            "text",
            " ",
            "\n",
            "ё",
            "<!-- c -->",
            "<!--",
            "-->",
            "<!---->",
            "<![CDATA[x]]>",
            "<![CDATA[",
            "]]>",
            "<?xml version='1.0'?>",
            "<?xml?>",
            "<?xmlx?>",
            "<?p x?>",
            "<??>",
            "<?",
            "?>",
            "<!x>",
            "<!DOCTYPE a>",
            "<!doctype a>",
            "<!",
            "\u{feff}",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..50_000 {
            let doc: String = (0..rand(14)).map(|_| PARTS[rand(PARTS.len())]).collect();
            let ours = our_tokens(&doc);
            let theirs = quick_xml_tokens(&doc);
            assert_eq!(ours, theirs, "{doc:?}");
        }
    }

    #[test]
    fn cuts_are_never_inside_a_character() {
        // Multi-byte text and names around every delimiter.
        let doc = "<ж a='ё>'>д&lt;ё<![CDATA[ы]]><ё/></ж>";
        let t = our_tokens(doc).unwrap();
        assert_eq!(t[0], Token::Start("ж"));
        assert_eq!(t[1], Token::Text("д"));
        assert_eq!(t[5], Token::Empty("ё"));
    }
}
