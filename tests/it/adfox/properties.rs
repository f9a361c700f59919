//! Property tests (proptest) for the ADFOX XML decoder and form encoder.
//!
//! - Generated answers (status, pagination, rows with text, nested `rowN` lists and nested
//!   elements) written as XML decode to exactly what was generated, directly and through the
//!   client, in UTF-8 and CP-1251; typed rows read their generated values back.
//! - Any text decodes to a document or an error, never a panic; what is accepted survives a
//!   rewrite; a document cut short anywhere is refused.
//! - The form body in UTF-8 is PHP's `http_build_query`; in CP-1251 a character the charset
//!   cannot hold is refused, naming the param, and everything else is sent.

use std::sync::Arc;

use adfox_api::xml::{Document, Pagination, Status, decode, is_row_name};
use adfox_api::{
    CampaignRow, Client, ContractorRow, Encoding, Field, RawRequest, RetryPolicy, Row, form,
};
use http::{HeaderValue, StatusCode, header};
use proptest::prelude::*;
use th_core::form::http_build_query;
use th_core::{FormValue, HttpResponse, MockTransport};

use crate::support::adfox_xml_writer;

const TOKEN: &str = "prop-oauth-token-0123456789";

/// Text for XML content; `alphabet` narrows it (CP-1251 cases).
fn text_in(alphabet: &'static str) -> BoxedStrategy<String> {
    if alphabet.is_empty() {
        any::<String>().boxed()
    } else {
        proptest::collection::vec(
            proptest::sample::select(alphabet.chars().collect::<Vec<_>>()),
            0..12,
        )
        .prop_map(|c| c.into_iter().collect())
        .boxed()
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_.-]{0,10}"
}

fn field(alphabet: &'static str) -> impl Strategy<Value = Field> {
    text_in(alphabet)
        .prop_map(Field::Text)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Field::List),
                // At least one name that is not `rowN`, or it reads as a list.
                (
                    name(),
                    inner.clone(),
                    prop::collection::vec((name(), inner), 0..3)
                )
                    .prop_map(|(first, v, rest)| {
                        let first = if is_row_name(&first) {
                            format!("x{first}")
                        } else {
                            first
                        };
                        Field::Map(std::iter::once((first, v)).chain(rest).collect())
                    }),
            ]
        })
}

fn row(alphabet: &'static str) -> impl Strategy<Value = Row> {
    prop::collection::vec((name(), field(alphabet)), 0..6).prop_map(|fields| Row { fields })
}

fn opt_text(alphabet: &'static str) -> impl Strategy<Value = Option<String>> {
    // The decoder reads an empty element as absent.
    proptest::option::of(text_in(alphabet)).prop_map(|t| t.filter(|t| !t.is_empty()))
}

fn status(alphabet: &'static str) -> impl Strategy<Value = Status> {
    (
        prop_oneof![Just(0i64), -10i64..0, any::<i64>()],
        opt_text(alphabet),
        opt_text(alphabet),
        opt_text(alphabet),
        opt_text(alphabet),
        proptest::option::of(any::<i64>()),
    )
        .prop_map(|(code, error, parameter, value, message, id)| Status {
            code,
            error,
            parameter,
            value,
            message,
            id,
        })
}

fn pagination(alphabet: &'static str) -> impl Strategy<Value = Pagination> {
    let n = || proptest::option::of(any::<u64>());
    let link = || opt_text(alphabet);
    (
        (link(), link(), link(), link()),
        (n(), n(), n(), n(), n(), n()),
    )
        .prop_map(
            |((first, prev, next, last), (limit, offset, total_pages, page, total_rows, rows))| {
                let mut p = Pagination::default();
                (p.first, p.prev, p.next, p.last) = (first, prev, next, last);
                (p.limit, p.offset, p.total_pages) = (limit, offset, total_pages);
                (p.page, p.total_rows, p.rows) = (page, total_rows, rows);
                p
            },
        )
}

fn document(alphabet: &'static str) -> impl Strategy<Value = Document<Row>> {
    (
        status(alphabet),
        any::<bool>(),
        pagination(alphabet),
        proptest::option::of(text_in(alphabet)),
        prop::collection::vec(row(alphabet), 0..5),
    )
        .prop_map(|(status, has_result, pagination, value, rows)| {
            if has_result {
                Document {
                    status,
                    has_result,
                    pagination,
                    value,
                    rows,
                }
            } else {
                Document {
                    status,
                    has_result,
                    pagination: Pagination::default(),
                    value: None,
                    rows: Vec::new(),
                }
            }
        })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn client_answering(response: HttpResponse) -> Client {
    let mock = MockTransport::new();
    mock.push_response(response);
    Client::oauth(TOKEN)
        .transport(Arc::new(mock))
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
}

const CP1251_TEXT: &str = "abcXYZ019 -_.,;:!?()@#%&<>\"'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_answers_decode_to_what_was_generated(doc in document("")) {
        let xml = adfox_xml_writer::document(&doc);
        let decoded = decode::<Row>(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(decoded, doc);
    }

    #[test]
    fn cut_short_answers_are_refused(doc in document(""), cut in any::<prop::sample::Index>()) {
        let xml = adfox_xml_writer::document(&doc);
        let boundaries: Vec<usize> = (0..xml.len()).filter(|i| xml.is_char_boundary(*i)).collect();
        let at = boundaries[cut.index(boundaries.len())];
        prop_assert!(decode::<Row>(&xml[..at]).is_err(), "accepted a prefix: {}", &xml[..at]);
    }

    #[test]
    fn any_text_decodes_or_fails_and_what_is_accepted_survives_a_rewrite(
        text in prop_oneof![
            any::<String>(),
            "(<(response|status|code|result|data|row0|row1|a|links|limit)>|</(response|status|code|result|data|row0|row1|a|links|limit)>|-?[0-9]{1,3}|&amp;|&#[0-9]{1,7};|&bogus;|<!\\[CDATA\\[x\\]\\]>|<a/>| ){0,40}",
        ],
    ) {
        if let Ok(doc) = decode::<Row>(&text) {
            let again = decode::<Row>(&adfox_xml_writer::document(&doc)).map_err(|e| TestCaseError::fail(e.0))?;
            prop_assert_eq!(again, doc);
        }
    }

    /// Through the client, as a server would send it: UTF-8, or CP-1251 by header and declaration.
    #[test]
    fn the_client_reads_generated_answers_in_both_charsets(
        (mut doc, cp1251) in prop_oneof![
            document("").prop_map(|d| (d, false)),
            document(CP1251_TEXT).prop_map(|d| (d, true)),
        ],
    ) {
        doc.status.code = 0;
        doc.has_result = true;
        let xml = adfox_xml_writer::document(&doc);
        let (body, charset) = if cp1251 {
            let xml = xml.replacen("encoding=\"UTF-8\"", "encoding=\"windows-1251\"", 1);
            let bytes = form::convert(&xml, Encoding::Cp1251, "xml")
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .into_owned();
            (bytes, "text/xml; charset=windows-1251")
        } else {
            (xml.into_bytes(), "text/xml; charset=UTF-8")
        };
        let mut response = HttpResponse::new(StatusCode::OK, body);
        response.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(charset));
        let reply = rt()
            .block_on(client_answering(response).raw(RawRequest::new("account.list.advertiser")))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(reply.rows, doc.rows);
        prop_assert_eq!(reply.status, doc.status);
        prop_assert_eq!(reply.pagination, doc.pagination);
    }

    #[test]
    fn typed_rows_read_their_values_back(
        id in proptest::option::of(any::<i64>()),
        name in proptest::option::of("[^<>&\u{0}]{1,20}"),
        cpm in proptest::option::of(-1.0e9f64..1.0e9),
        comma in any::<bool>(),
        day in (1990u32..2100, 1u32..13, 1u32..29, 0u32..24, 0u32..60),
        has_date in any::<bool>(),
        is_session in proptest::option::of(any::<bool>()),
        roles in proptest::option::of(prop::collection::vec(any::<i64>(), 1..5)),
        extra in proptest::option::of("[^<>&\u{0}]{0,20}"),
    ) {
        let mut fields: Vec<(String, Field)> = Vec::new();
        let t = |s: String| Field::Text(s);
        if let Some(v) = id { fields.push(("ID".into(), t(v.to_string()))); }
        if let Some(v) = &name { fields.push(("name".into(), t(v.clone()))); }
        if let Some(v) = cpm {
            let s = v.to_string();
            fields.push(("cpm".into(), t(if comma { s.replace('.', ",") } else { s })));
        }
        let date = format!("{:04}-{:02}-{:02} {:02}:{:02}", day.0, day.1, day.2, day.3, day.4);
        fields.push(("dateStart".into(), t(if has_date { date.clone() } else { "0000-00-00 00:00:00".into() })));
        if let Some(v) = is_session { fields.push(("isSession".into(), t(if v { "1" } else { "0" }.into()))); }
        if let Some(v) = &extra { fields.push(("somethingNew".into(), t(v.clone()))); }
        let mut contractor_fields = vec![("name".to_owned(), t("c".into()))];
        if let Some(r) = &roles {
            contractor_fields.push(("roles".into(), Field::List(r.iter().map(|n| t(n.to_string())).collect())));
        }
        let doc = |rows: Vec<Row>| Document {
            status: Status::default(),
            has_result: true,
            pagination: Pagination::default(),
            value: None,
            rows,
        };
        let xml = adfox_xml_writer::document(&doc(vec![Row { fields }]));
        let campaign = decode::<CampaignRow>(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        let c = &campaign.rows[0];
        prop_assert_eq!(c.id, id);
        prop_assert_eq!(&c.name, &name);
        prop_assert_eq!(c.cpm, cpm);
        prop_assert_eq!(c.date_start.as_ref().map(|d| d.as_str().to_owned()), has_date.then_some(date));
        prop_assert_eq!(c.is_session, is_session);
        prop_assert_eq!(c.extra_field("somethingNew").and_then(Field::as_text), extra.as_deref());
        let xml = adfox_xml_writer::document(&doc(vec![Row { fields: contractor_fields }]));
        let contractor = decode::<ContractorRow>(&xml).map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(&contractor.rows[0].roles, &roles);
        // A wrong type in a typed field is a decode error naming it, not a silent default.
        let bad = adfox_xml_writer::document(&doc(vec![Row { fields: vec![("ID".into(), t("x1".into()))] }]));
        let err = decode::<CampaignRow>(&bad).map(|_| ()).unwrap_err();
        prop_assert!(err.0.contains("ID"), "{}", err.0);
    }
}

/// String trees with non-empty containers and plain names (no ADFOX `name[]` repetition).
fn tree() -> impl Strategy<Value = FormValue> {
    let leaf = prop_oneof![
        any::<String>().prop_map(FormValue::Str),
        any::<i64>().prop_map(FormValue::Int),
        any::<bool>().prop_map(FormValue::Bool),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(FormValue::List),
            prop::collection::btree_map("[a-z_][a-z0-9_]{0,6}", inner, 1..4)
                .prop_map(|m| FormValue::Map(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_utf8_form_is_http_build_query(
        params in prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9_]{0,8}", tree()), 0..6),
    ) {
        let body = form::encode(&params, Encoding::Utf8).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(String::from_utf8(body).ok(), Some(http_build_query(&params)));
    }

    #[test]
    fn cp1251_refuses_exactly_what_it_cannot_hold(
        good in text_in(CP1251_TEXT),
        bad in proptest::option::of(prop_oneof![Just('😀'), Just('中'), Just('ğ'), Just('ẞ'), Just('\u{2603}')]),
        at in any::<prop::sample::Index>(),
    ) {
        let mut value = good.clone();
        if let Some(c) = bad {
            let boundaries: Vec<usize> = (0..=value.len()).filter(|i| value.is_char_boundary(*i)).collect();
            value.insert(boundaries[at.index(boundaries.len())], c);
        }
        let params = vec![("name".to_owned(), FormValue::Str(value.clone()))];
        match (form::encode(&params, Encoding::Cp1251), bad) {
            (Ok(body), None) => {
                // Every byte is percent-encoded or plain; decode it back through CP-1251.
                let text = String::from_utf8(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let sent = text.strip_prefix("name=").ok_or_else(|| TestCaseError::fail(text.clone()))?;
                let expected = form::convert(&good, Encoding::Cp1251, "name").map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(percent_decode(sent), expected.into_owned());
            }
            (Err(e), Some(c)) => {
                prop_assert_eq!(e.field.as_ref(), "name");
                prop_assert!(e.reason.contains(&format!("{:04X}", u32::from(c))), "{}", e.reason);
            }
            (other, bad) => return Err(TestCaseError::fail(format!("{bad:?}: {other:?}"))),
        }
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}
