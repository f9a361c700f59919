//! ADFOX form bodies against PHP itself (ADFOX is a PHP application): `parse_str` of every body
//! the client sends gives back exactly the params meant (navigation block, `name[]` arrays,
//! dynamic names, dates, booleans), and the CP-1251 bytes match PHP's `iconv`. Without `php`
//! the checks say "skipped" (and fail under `TH_REQUIRE_PHP=1`).

use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;

use adfox_api::{
    AccountAddBanner, AccountDeleteBanner, AccountListCampaign, CampaignInfoPlacement2,
    CampaignModify, CampaignPlacingWebsite, Client, DateTime, Encoding, Error, MediaData, OnOff,
    types::dynamic,
};
use serde_json::{Value, json};
use th_core::{HttpResponse, MockTransport};

/// Runs `code` with `input` on stdin and answers stdout.
fn php(what: &str, code: &str, input: &[u8]) -> Option<Vec<u8>> {
    let mut cmd = integration_tests::php(what)?;
    let mut child = cmd
        .args(["-r", code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("php runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write to php");
    let out = child.wait_with_output().expect("php finishes");
    assert!(out.status.success(), "php failed: {out:?}");
    Some(out.stdout)
}

const PARSE: &str = "parse_str(stream_get_contents(STDIN), $o); \
                     echo json_encode($o, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);";

fn client(mock: &Arc<MockTransport>, encoding: Encoding) -> Client {
    mock.set_fallback(HttpResponse::new(
        http::StatusCode::OK,
        "<response><status><code>0</code><ID>1</ID></status><result><data/></result></response>",
    ));
    Client::legacy("test", "Passw0rd!")
        .transport(mock.clone())
        .encoding(encoding)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn php_parse_str_reads_back_every_param() {
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, Encoding::Utf8);
    c.account_add_banner(
        AccountAddBanner::new(11, 2)
            .name("Чай & кофе")
            .is_events(true)
            .date_start(DateTime::new(2026, 4, 16, 6, 30))
            .text_data(vec!["a=b".to_owned(), "в".to_owned()])
            .media_data(vec![MediaData::new("https://x/a.png?s=1&t=2", "d")])
            .param(dynamic::user(1), "red")
            .param(dynamic::hit_url(2), "https://h/?q=1")
            .param(dynamic::site(7), OnOff::Off),
    )
    .await
    .unwrap();
    c.campaign_modify(
        CampaignModify::new(5)
            .is_session(false)
            .cpm(12.5)
            .date_end("2026-04-30"),
    )
    .await
    .unwrap();
    c.campaign_placing_website(CampaignPlacingWebsite::new(5, 3, true))
        .await
        .unwrap();
    c.campaign_info_placement2(CampaignInfoPlacement2::new(5, "campaignPlaces", OnOff::On))
        .await
        .unwrap();
    c.account_delete_banner(AccountDeleteBanner::new(5, [1, 2, 3]))
        .await
        .unwrap();
    c.account_list_campaign(AccountListCampaign::new().search("tea+co"))
        .await
        .unwrap();
    let hash = adfox_api::sha256_hex("Passw0rd!");
    let auth = json!({"loginAccount": "test", "loginPassword": hash});
    let with_auth = |extra: Value| {
        let mut m = auth.as_object().cloned().unwrap_or_default();
        m.extend(extra.as_object().cloned().unwrap_or_default());
        Value::Object(m)
    };
    let want = [
        with_auth(json!({
            "object": "account", "action": "add", "actionObject": "banner", "encoding": "UTF-8",
            "campaignID": "11", "templateID": "2", "name": "Чай & кофе", "isEvents": "1",
            "dateStart": "2026-04-16 06:30", "textData": ["a=b", "в"],
            "mediaData": ["{\"url\":\"https://x/a.png?s=1&t=2\",\"description\":\"d\"}"],
            "user1": "red", "hitURL2": "https://h/?q=1", "_site7": "off"
        })),
        with_auth(json!({
            "object": "campaign", "action": "modify", "encoding": "UTF-8", "objectID": "5",
            "isSession": "0", "dateEnd": "2026-04-30", "cpm": "12.5"
        })),
        with_auth(json!({
            "object": "campaign", "action": "placing", "actionObject": "website",
            "encoding": "UTF-8", "objectID": "5", "actionObjectID": "3", "actionStatus": "1"
        })),
        with_auth(json!({
            "object": "campaign", "action": "info", "actionObject": "placement2",
            "encoding": "UTF-8", "objectID": "5", "dataType": "campaignPlaces", "isOn": "on",
            "limit": "1000"
        })),
        with_auth(json!({
            "object": "account", "action": "delete", "actionObject": "banner",
            "encoding": "UTF-8", "campaignID": "5", "listIDs": "1,2,3"
        })),
        with_auth(json!({
            "object": "account", "action": "list", "actionObject": "campaign",
            "encoding": "UTF-8", "search": "tea+co", "limit": "1000"
        })),
    ];
    let requests = mock.requests();
    assert_eq!(requests.len(), want.len());
    for (r, want) in requests.iter().zip(want) {
        let Some(out) = php("parse_str of ADFOX bodies", PARSE, &r.body) else {
            return;
        };
        let got: Value = serde_json::from_slice(&out).expect("php printed JSON");
        assert_eq!(got, want, "{}", String::from_utf8_lossy(&r.body));
        // Order matters to nobody but humans; the keys must still be exactly these.
        let order: Vec<String> = got
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(&order[..2], ["loginAccount", "loginPassword"]);
    }
}

#[tokio::test]
async fn cp1251_bytes_match_php_iconv_and_round_trip() {
    let text = "Флайт «Чай №1» — ёлка €5";
    let mock = Arc::new(MockTransport::new());
    let c = client(&mock, Encoding::Cp1251);
    c.campaign_modify(CampaignModify::new(1).name(text))
        .await
        .unwrap();
    let body = String::from_utf8(mock.requests()[0].body.to_vec()).unwrap();
    let ours = body
        .rsplit('&')
        .find_map(|p| p.strip_prefix("name="))
        .unwrap()
        .to_owned();
    let Some(theirs) = php(
        "iconv to CP-1251",
        "echo urlencode(iconv('UTF-8', 'CP1251', stream_get_contents(STDIN)));",
        text.as_bytes(),
    ) else {
        return;
    };
    assert_eq!(ours, String::from_utf8(theirs).unwrap());
    // PHP decodes what we sent back to the same text.
    let back = php(
        "iconv from CP-1251",
        "parse_str(stream_get_contents(STDIN), $o); echo iconv('CP1251', 'UTF-8', $o['name']);",
        body.as_bytes(),
    )
    .unwrap_or_default();
    assert_eq!(String::from_utf8(back).unwrap(), text);
    // What iconv cannot convert, the client refuses before sending (PHP's iconv fails too).
    let failed = php(
        "iconv refuses",
        "var_export(@iconv('UTF-8', 'CP1251', stream_get_contents(STDIN)));",
        "чай 🍵".as_bytes(),
    )
    .unwrap_or_default();
    assert_eq!(String::from_utf8_lossy(&failed), "false");
    let err = c
        .campaign_modify(CampaignModify::new(1).name("чай 🍵"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.field == "name"),
        "{err:?}"
    );
    assert_eq!(mock.requests().len(), 1);
}
