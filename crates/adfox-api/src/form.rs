//! The form body, in UTF-8 or CP-1251.
//!
//! Params are flattened as PHP's `http_build_query` does (`a[0]`, `a[k]`, booleans `1`/`0`,
//! `None` dropped, order kept), with one ADFOX addition: a param whose name ends in `[]`
//! (`okveds[]`, `textData[]`, `mediaData[]`) repeats that name for every item, as the API
//! documents. Keys and values are then converted to the chosen charset and percent-encoded
//! (RFC 1738: letters, digits and `-_.` kept, space as `+`). A character CP-1251 cannot hold is
//! an [`InvalidInput`] naming the param, never a `?`.

use std::borrow::Cow;

use th_core::{FormValue, InvalidInput};

/// The charset of the params (`encoding=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// `encoding=UTF-8` (the default, recommended).
    #[default]
    Utf8,
    /// `encoding=CP-1251`: text is converted; a character CP-1251 cannot hold is an
    /// [`Error::InvalidInput`](crate::Error::InvalidInput), never a `?`.
    Cp1251,
}

impl Encoding {
    /// The value of the `encoding` param.
    pub fn wire(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Cp1251 => "CP-1251",
        }
    }
}

/// Encodes `params` as an `application/x-www-form-urlencoded` body.
pub fn encode<K: AsRef<str>>(
    params: &[(K, FormValue)],
    encoding: Encoding,
) -> Result<Vec<u8>, InvalidInput> {
    let mut flat: Vec<(String, String)> = Vec::with_capacity(params.len());
    for (name, value) in params {
        let name = name.as_ref();
        if let (Some(stem), FormValue::List(items)) = (name.strip_suffix("[]"), value) {
            let key = format!("{stem}[]");
            for item in items {
                flatten(&key, item, &mut flat, 0)?;
            }
        } else {
            flatten(name, value, &mut flat, 0)?;
        }
    }
    let mut out = Vec::with_capacity(flat.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (key, value)) in flat.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        let k = convert(key, encoding, key)?;
        percent(&mut out, &k);
        out.push(b'=');
        let v = convert(value, encoding, key)?;
        percent(&mut out, &v);
    }
    Ok(out)
}

fn flatten(
    key: &str,
    value: &FormValue,
    out: &mut Vec<(String, String)>,
    depth: usize,
) -> Result<(), InvalidInput> {
    if depth > 16 {
        return Err(InvalidInput::new(key.to_owned(), "is nested too deeply"));
    }
    match value {
        FormValue::Null => {}
        FormValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{key}[{i}]"), item, out, depth + 1)?;
            }
        }
        FormValue::Map(entries) => {
            for (k, item) in entries {
                flatten(&format!("{key}[{k}]"), item, out, depth + 1)?;
            }
        }
        FormValue::Float(f) if !f.is_finite() => {
            return Err(InvalidInput::new(key.to_owned(), "must be a finite number"));
        }
        scalar => out.push((key.to_owned(), scalar.scalar_string().unwrap_or_default())),
    }
    Ok(())
}

/// `text` in the target charset.
pub fn convert<'t>(
    text: &'t str,
    encoding: Encoding,
    field: &str,
) -> Result<Cow<'t, [u8]>, InvalidInput> {
    match encoding {
        Encoding::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
        Encoding::Cp1251 => {
            if text.is_ascii() {
                return Ok(Cow::Borrowed(text.as_bytes()));
            }
            // One pass with encoding_rs; it stops at the first character CP-1251 lacks.
            let mut encoder = encoding_rs::WINDOWS_1251.new_encoder();
            let cap = encoder
                .max_buffer_length_from_utf8_without_replacement(text.len())
                .unwrap_or(text.len());
            let mut out = vec![0u8; cap];
            let (result, _, written) =
                encoder.encode_from_utf8_without_replacement(text, &mut out, true);
            match result {
                encoding_rs::EncoderResult::InputEmpty => {
                    out.truncate(written);
                    Ok(Cow::Owned(out))
                }
                encoding_rs::EncoderResult::Unmappable(ch) => Err(InvalidInput::new(
                    field.to_owned(),
                    format!(
                        "the character {ch:?} (U+{:04X}) cannot be sent in CP-1251",
                        u32::from(ch)
                    ),
                )),
                encoding_rs::EncoderResult::OutputFull => Err(InvalidInput::new(
                    field.to_owned(),
                    "could not be converted to CP-1251",
                )),
            }
        }
    }
}

fn percent(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b),
            b' ' => out.push(b'+'),
            _ => {
                out.push(b'%');
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> FormValue {
        FormValue::Str(v.into())
    }

    #[test]
    fn utf8_and_arrays() {
        let params = vec![
            ("name".to_owned(), s("Чай & кофе")),
            (
                "okveds[]".to_owned(),
                FormValue::List(vec![s("1.1"), s("2.2")]),
            ),
            ("isOn".to_owned(), FormValue::Bool(true)),
            ("skip".to_owned(), FormValue::Null),
            ("dateStart".to_owned(), s("2021-12-20 06:30")),
        ];
        let body = encode(&params, Encoding::Utf8).unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "name=%D0%A7%D0%B0%D0%B9+%26+%D0%BA%D0%BE%D1%84%D0%B5&okveds%5B%5D=1.1&okveds%5B%5D=2.2&isOn=1&dateStart=2021-12-20+06%3A30"
        );
    }

    #[test]
    fn cp1251() {
        let params = vec![("name".to_owned(), s("Чай №1"))];
        let body = encode(&params, Encoding::Cp1251).unwrap();
        assert_eq!(String::from_utf8(body).unwrap(), "name=%D7%E0%E9+%B91");
        let bad = vec![("name".to_owned(), s("tea 🍵"))];
        let e = encode(&bad, Encoding::Cp1251).unwrap_err();
        assert_eq!(e.field, "name");
        assert!(
            e.reason.contains("U+1F375") && e.reason.contains("CP-1251"),
            "{e}"
        );
        // A list item names its flattened key; a key is converted too.
        let bad = vec![(
            "textData[]".to_owned(),
            FormValue::List(vec![s("ok"), s("日本")]),
        )];
        let e = encode(&bad, Encoding::Cp1251).unwrap_err();
        assert_eq!(e.field, "textData[]");
        assert!(e.reason.contains("U+65E5"), "{e}");
        let body = encode(&[("ёлка".to_owned(), s("Ё"))], Encoding::Cp1251).unwrap();
        assert_eq!(String::from_utf8(body).unwrap(), "%B8%EB%EA%E0=%A8");
        // Every CP-1251 letter survives the round trip through encoding_rs.
        let all = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№«»—€";
        let bytes = convert(all, Encoding::Cp1251, "x").unwrap();
        assert_eq!(bytes.len(), all.chars().count());
        let (back, _, bad) = encoding_rs::WINDOWS_1251.decode(&bytes);
        assert!(!bad);
        assert_eq!(back, all);
    }
}
