//! The ADFOX XML decoder and the client's answer path on any input.
//!
//! Mode 0 (text): `xml::decode` never panics; a document it accepts, written back as XML,
//! decodes to the same document; typed rows are stricter than generic rows, never looser.
//! Mode 1 (client): any status, charset and body through `Client::raw`: a reply or a typed
//! error, never the token in it; a UTF-8 reply holds exactly the rows the decoder reads.
#![no_main]

use std::sync::{Arc, OnceLock};

use adfox_api::xml::{Document, decode};
use adfox_api::{
    AdvertiserRow, BannerRow, CampaignRow, Client, ContractRow, ContractorRow, RawRequest,
    RetryPolicy, Row, Skip,
};
use http::{HeaderValue, StatusCode, header};
use libfuzzer_sys::fuzz_target;
use th_core::{HttpResponse, MockTransport};

#[path = "../../tests/it/support/adfox_xml_writer.rs"]
mod adfox_xml_writer;

const TOKEN: &str = "fuzz-oauth-token-0123456789";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fn typed_is_stricter<T: adfox_api::xml::FromRow>(
    text: &str,
    generic: &Result<Document<Row>, adfox_api::xml::XmlError>,
) {
    if let Ok(typed) = decode::<T>(text) {
        let generic = generic
            .as_ref()
            .unwrap_or_else(|e| panic!("typed rows accepted what rows refused: {e}"));
        assert_eq!(typed.rows.len(), generic.rows.len());
        assert_eq!(typed.status, generic.status);
        assert_eq!(typed.pagination, generic.pagination);
    }
}

fn text_mode(text: &str) {
    let generic = decode::<Row>(text);
    if let Ok(doc) = &generic {
        let written = adfox_xml_writer::document(doc);
        let again = decode::<Row>(&written)
            .unwrap_or_else(|e| panic!("our own rewrite does not decode: {e}\n{written}"));
        assert_eq!(&again, doc, "the rewrite decodes differently:\n{written}");
    }
    // Generic rows take any fields, so they fail exactly when skipping the rows fails.
    assert_eq!(decode::<Skip>(text).is_ok(), generic.is_ok());
    typed_is_stricter::<AdvertiserRow>(text, &generic);
    typed_is_stricter::<CampaignRow>(text, &generic);
    typed_is_stricter::<BannerRow>(text, &generic);
    typed_is_stricter::<ContractorRow>(text, &generic);
    typed_is_stricter::<ContractRow>(text, &generic);
}

fn client_mode(status: u16, charset: u8, body: &[u8]) {
    let content_type = match charset % 4 {
        0 => None,
        1 => Some("text/xml; charset=UTF-8"),
        2 => Some("text/xml; charset=windows-1251"),
        _ => Some("application/xml"),
    };
    let Ok(code) = StatusCode::from_u16(status) else {
        return;
    };
    let mut response = HttpResponse::new(code, body.to_vec());
    if let Some(ct) = content_type {
        response
            .headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let mock = MockTransport::new();
    mock.push_response(response);
    let client = Client::oauth(TOKEN)
        .transport(Arc::new(mock))
        .retry(RetryPolicy::none())
        .build()
        .expect("the client builds");
    match runtime().block_on(client.raw(RawRequest::new("account.list.advertiser"))) {
        Err(e) => {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(TOKEN), "the token leaked: {shown}");
        }
        Ok(reply) => {
            assert_eq!(reply.status.code, 0, "a reply is a success");
            let plain_utf8 = charset % 4 != 2 && !body.windows(4).any(|w| w == b"1251");
            if plain_utf8 {
                let text = std::str::from_utf8(body).expect("a UTF-8 reply was UTF-8");
                let doc = decode::<Row>(text).expect("a reply decodes");
                assert_eq!(doc.rows, reply.rows);
                assert_eq!(doc.status, reply.status);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data {
        [1, a, b, charset, body @ ..] => {
            client_mode(100 + u16::from_le_bytes([*a, *b]) % 500, *charset, body);
        }
        [_, rest @ ..] => {
            if let Ok(text) = std::str::from_utf8(rest) {
                text_mode(text);
            }
        }
        [] => {}
    }
});
