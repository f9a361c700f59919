//! Parses a TargetHunter webhook body (e.g. read from your HTTP framework's request) into a
//! typed event.
//!
//! ```sh
//! echo '{"type":"hello","group_id":1,"channel":"VK","time":1700000000}' | cargo run -p targethunter-api --example webhook
//! ```

use std::io::Read;

use targethunter_api::webhooks::{Event, parse_event};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    match parse_event(&body)? {
        Event::Hello(hello) => println!("hello from group {:?}: answer HTTP 200", hello.group_id),
        Event::Subscribe(s) => println!(
            "user {:?} subscribed to {:?}",
            s.user.id, s.subscription.name
        ),
        Event::Unsubscribe(s) => println!(
            "user {:?} unsubscribed from {:?}",
            s.user.id, s.subscription.name
        ),
        Event::Unknown { kind, raw } => println!("unknown event {kind:?}: {raw}"),
        other => println!("{other:?}"),
    }
    Ok(())
}
