//! Parse a webhook body Radist.Online POSTed to your server (pipe one into stdin), and react to
//! inbound messages only.
//!
//! ```sh
//! echo '{"event_type":"messages.create","event":{"chat_id":1,"message":{"direction":"inbound","message_type":"text","text":{"text":"Привет"}}}}' \
//!   | cargo run -p radist-api --example webhook_events
//! ```

use std::io::Read;

use radist_api::webhooks::{Event, parse_event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    match parse_event(&body)? {
        Event::MessageCreated(m) if m.is_inbound() => println!(
            "chat {:?} ({}) wrote: {}",
            m.chat_id,
            m.chat
                .username
                .as_deref()
                .or(m.chat.phone.as_deref())
                .unwrap_or("?"),
            m.message.text().unwrap_or("(no text)")
        ),
        Event::MessageCreated(m) => println!("our own message in chat {:?}: ignored", m.chat_id),
        Event::Delivery(d) => println!("message {:?}: {:?}", d.message_id, d.status),
        other => println!("unhandled event {}", other.event_type()),
    }
    Ok(())
}
