//! The Radist.Online client on any answer: every typed call, the messages stream and a login
//! flow, each against a server answering the fuzzed status and body.
//!
//! Never a panic; the API key and a submitted password never appear in an error; the messages
//! stream and the login flow end on their own within a bounded number of requests.
#![no_main]

use std::sync::{Arc, OnceLock};

use futures::StreamExt;
use http::StatusCode;
use libfuzzer_sys::fuzz_target;
use radist_api::{
    ChatsWithContacts, Client, ConnectionsList, ContactsGet, LoginFlow, ManualClock, MessagesGet,
    SendMessage, TelegramSendLogin, UsersMe,
};
use th_core::{HttpResponse, MockTransport};

const KEY: &str = "fuzz-radist-api-key-0123456789";
const PASSWORD: &str = "fuzz-2fa-password-xyz";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fn client(mock: &MockTransport) -> Client {
    Client::builder(KEY)
        .company_id(1)
        .transport(Arc::new(mock.clone()))
        .clock(Arc::new(ManualClock::new()))
        .retry(radist_api::RetryPolicy::none())
        .no_throttle()
        .build()
        .expect("the client builds")
}

fn no_secret<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug>(r: &Result<T, E>) {
    if let Err(e) = r {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(KEY), "the key leaked: {shown}");
        assert!(!shown.contains(PASSWORD), "the password leaked: {shown}");
    }
}

fuzz_target!(|data: &[u8]| {
    let [call, a, b, body @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_le_bytes([*a, *b]) % 500;
    let Ok(code) = StatusCode::from_u16(status) else {
        return;
    };
    let mock = MockTransport::new();
    let c = client(&mock);
    let rt = runtime();
    match call % 9 {
        0 => no_secret(&rt.block_on(c.connections_list(ConnectionsList::new()))),
        1 => no_secret(&rt.block_on(c.messages(MessagesGet::new(3)))),
        2 => no_secret(&rt.block_on(c.chats_with_contacts(ChatsWithContacts::new()))),
        3 => no_secret(&rt.block_on(c.send_message(SendMessage::text_message(1, 2, "hi")))),
        4 => no_secret(&rt.block_on(c.contacts(ContactsGet::new()))),
        5 => no_secret(&rt.block_on(c.users_me(UsersMe::new()))),
        6 => no_secret(
            &rt.block_on(c.telegram_send_login(TelegramSendLogin::new("s").password(PASSWORD))),
        ),
        7 => {
            // The same answer to every page: the stream must stop by itself.
            mock.set_fallback(HttpResponse::new(code, body.to_vec()));
            let items: Vec<_> = rt.block_on(c.messages_stream(3, 2).take(10_000).collect());
            assert!(items.len() < 10_000, "the stream did not end");
            items.iter().for_each(no_secret);
            assert!(
                mock.requests().len() <= 16,
                "{} requests",
                mock.requests().len()
            );
        }
        _ => {
            mock.set_fallback(HttpResponse::new(code, body.to_vec()));
            let mut login = c.login(LoginFlow::telegram_qr());
            let handle = login.handle();
            handle.submit_password(PASSWORD);
            handle.submit_code("12345");
            let events: Vec<_> = rt.block_on((&mut login).take(10_000).collect());
            assert!(events.len() < 10_000, "the login did not end");
            events.iter().for_each(no_secret);
            assert!(
                mock.requests().len() <= 1_000,
                "{} requests",
                mock.requests().len()
            );
        }
    }
    // Each typed call sends one request (no retries configured).
    if call % 9 < 7 {
        assert_eq!(mock.requests().len(), 1);
    }
});
