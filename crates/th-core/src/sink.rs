//! Param sinks that put a typed request's params on the wire as the request hands them over
//! ([`ApiRequest::write_params`](crate::ApiRequest::write_params)), keeping no list of them and
//! no copy of a value: the bookkeeping they share ([`PlainParams`]) and the JSON object writer
//! of TargetHunter and Radist.Online ([`JsonMembers`]). Anything such a sink does not cover
//! takes the general way, through [`Params`](crate::Params).

use crate::api::{ParamLocation, ParamSink, ParamValue};
use crate::form::{FormValue, JsonBools, write_json_str};

/// The bookkeeping of a [`ParamSink`] that puts each param on the wire as it comes and keeps
/// no list of them (JustClick's signed query, the JSON bodies of TargetHunter and Radist): the
/// names written so far, and whether every param so far was one such a sink covers.
///
/// It covers declared body params with distinct names that the sink accepts, at most
/// [`PLAIN_PARAMS_MOST`], and no extra params. Once a param is not covered
/// ([`is_plain`](Self::is_plain) false) the sink writes nothing more and its caller takes the
/// general way ([`ApiRequest::params`](crate::ApiRequest::params)), which decides what the wire gets (the last of a name
/// sent twice, an error for a name the service would not read back, ...).
#[derive(Debug, Clone)]
pub struct PlainParams {
    names: [&'static str; PLAIN_PARAMS_MOST],
    count: usize,
    plain: bool,
}

/// The most params a [`PlainParams`] covers.
pub const PLAIN_PARAMS_MOST: usize = 64;

/// A param's value as a [`PlainParams`] hands it to its sink to write.
#[derive(Debug)]
pub enum PlainValue<'v> {
    /// A string, borrowed from the request ([`ParamValue::form_str`]).
    Str(&'v str),
    /// Any other value, as [`ParamValue::to_form`] gives it (never `Null`).
    Form(FormValue),
}

impl Default for PlainParams {
    fn default() -> Self {
        PlainParams {
            names: [""; PLAIN_PARAMS_MOST],
            count: 0,
            plain: true,
        }
    }
}

impl PlainParams {
    /// Whether every param so far was covered.
    pub fn is_plain(&self) -> bool {
        self.plain
    }

    /// The value to write for the param `name` at `location`, if it is covered: a body param
    /// whose name is new and `name_ok`, and whose value is a list or map only when
    /// `containers` says the sink writes those. `None` when there is nothing to write: the
    /// value is `Null` (dropped, as [`Params`](crate::Params) drops it) or the param is not covered (and
    /// from then on nothing is).
    pub fn admit<'v, V: ParamValue + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: &'v V,
        name_ok: impl FnOnce(&str) -> bool,
        containers: bool,
    ) -> Option<PlainValue<'v>> {
        if !self.plain {
            return None;
        }
        let value = match value.form_str() {
            Some(text) => PlainValue::Str(text),
            None => match value.to_form() {
                FormValue::Null => return None,
                FormValue::List(_) | FormValue::Map(_) if !containers => {
                    self.plain = false;
                    return None;
                }
                other => PlainValue::Form(other),
            },
        };
        let seen = self.names.get(..self.count).unwrap_or_default();
        let covered = location == ParamLocation::Body && !seen.contains(&name) && name_ok(name);
        match self.names.get_mut(self.count) {
            Some(slot) if covered => {
                *slot = name;
                self.count += 1;
                Some(value)
            }
            _ => {
                self.plain = false;
                None
            }
        }
    }

    /// Extra params are never covered: any makes the request not plain.
    pub fn extras(&mut self, extras: &[(String, FormValue)]) {
        if !extras.is_empty() {
            self.plain = false;
        }
    }
}

/// A typed request's body params written straight into the members of a JSON object as the
/// request hands them over ([`ApiRequest::write_params`](crate::ApiRequest::write_params)): no
/// list of params, no copy of a value. For services whose body is the object of the body
/// params (TargetHunter, Radist).
///
/// It covers body params with distinct names, none of them `reserved` (members the caller
/// writes itself), and no extra params; on anything else it stops and says so
/// ([`is_plain`](Self::is_plain) false), and the caller takes its general way. Each member is
/// the bytes [`FormValue::write_json`] writes; `Null` values are left out, as [`Params`](crate::Params) leaves them.
///
/// ```
/// use th_core::ParamSink;
/// use th_core::form::JsonBools;
/// use th_core::sink::JsonMembers;
/// let mut body = b"{\"key\":1".to_vec();
/// let mut members = JsonMembers::new(&mut body, JsonBools::Digits, true, &["key"]);
/// members.add_body("text", "Привет \"мир\"");
/// members.add_body("force", &true);
/// members.add_body("none", &None::<String>);
/// assert!(members.is_plain());
/// body.push(b'}');
/// assert_eq!(body, "{\"key\":1,\"text\":\"Привет \\\"мир\\\"\",\"force\":1}".as_bytes());
/// ```
#[derive(Debug)]
pub struct JsonMembers<'a> {
    out: &'a mut Vec<u8>,
    bools: JsonBools,
    /// Whether the next member follows another (a `,` first).
    follows: bool,
    reserved: &'static [&'static str],
    check: PlainParams,
}

impl<'a> JsonMembers<'a> {
    /// Members appended to `out`, after a member the caller wrote when `follows`; booleans as
    /// `bools` says; the names in `reserved` are the caller's own.
    pub fn new(
        out: &'a mut Vec<u8>,
        bools: JsonBools,
        follows: bool,
        reserved: &'static [&'static str],
    ) -> Self {
        JsonMembers {
            out,
            bools,
            follows,
            reserved,
            check: PlainParams::default(),
        }
    }

    /// Whether every param was covered: the members written are the object's.
    pub fn is_plain(&self) -> bool {
        self.check.is_plain()
    }
}

impl ParamSink for JsonMembers<'_> {
    fn add<V: ParamValue + ?Sized>(
        &mut self,
        location: ParamLocation,
        name: &'static str,
        value: &V,
    ) {
        let reserved = self.reserved;
        let not_reserved = |name: &str| !reserved.contains(&name);
        let Some(value) = self.check.admit(location, name, value, not_reserved, true) else {
            return;
        };
        if self.follows {
            self.out.push(b',');
        }
        self.follows = true;
        write_json_str(self.out, name);
        self.out.push(b':');
        match value {
            PlainValue::Str(text) => write_json_str(self.out, text),
            PlainValue::Form(form) => form.write_json(self.out, self.bools),
        }
    }

    fn add_extras(&mut self, _location: ParamLocation, extras: &[(String, FormValue)]) {
        self.check.extras(extras);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a sink that writes params as they come may write: body params with new names its
    /// own rule accepts, strings borrowed; `Null` dropped; anything else stops it for good.
    #[test]
    fn plain_params_admit_what_the_general_way_would_send_the_same() {
        let body = ParamLocation::Body;
        let any = |_: &str| true;
        let text = String::from("Иван");
        let mut check = PlainParams::default();
        assert!(
            matches!(check.admit(body, "a", &text, any, false), Some(PlainValue::Str(t)) if std::ptr::eq(t, text.as_str()))
        );
        assert!(matches!(
            check.admit(body, "b", &7_i64, any, false),
            Some(PlainValue::Form(FormValue::Int(7)))
        ));
        assert!(
            check
                .admit(body, "c", &None::<String>, any, false)
                .is_none()
        );
        assert!(check.is_plain());
        let list = vec![1_i64];
        assert!(matches!(
            check.admit(body, "l", &list, any, true),
            Some(PlainValue::Form(FormValue::List(_)))
        ));
        check.extras(&[]);
        assert!(check.is_plain());
        // A name again, another location, a name refused, a list where none is written, extras.
        let refusals: [&dyn Fn(&mut PlainParams); 5] = [
            &|c| drop(c.admit(body, "a", "again", any, false)),
            &|c| drop(c.admit(ParamLocation::Query, "q", "1", any, false)),
            &|c| drop(c.admit(body, "hash", "1", |n: &str| n != "hash", false)),
            &|c| drop(c.admit(body, "m", &vec![1_i64], any, false)),
            &|c| c.extras(&[("x".to_owned(), FormValue::Int(1))]),
        ];
        for refuse in refusals {
            let mut check = check.clone();
            refuse(&mut check);
            assert!(!check.is_plain());
            assert!(check.admit(body, "later", "1", any, false).is_none());
        }
        // At most PLAIN_PARAMS_MOST.
        let names: Vec<&'static str> = (0..=PLAIN_PARAMS_MOST)
            .map(|i| &*Box::leak(format!("p{i}").into_boxed_str()))
            .collect();
        let mut check = PlainParams::default();
        for name in &names[..PLAIN_PARAMS_MOST] {
            assert!(check.admit(body, name, "1", any, false).is_some());
        }
        assert!(
            check
                .admit(body, names[PLAIN_PARAMS_MOST], "1", any, false)
                .is_none()
        );
        assert!(!check.is_plain());
    }
}
