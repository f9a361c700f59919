//! Parses and verifies a notification body as JustClick POSTs it to your server.
//!
//! `cargo run -p justclick-api --example notifications`

use justclick_api::webhooks::{self, Event};
use justclick_api::{Secret, sign};

fn main() -> Result<(), webhooks::WebhookError> {
    let secret = Secret::new("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    // What your HTTP handler receives (built here with a valid hash).
    let hash = sign::notification_hash("1001", "ivan@example.com", "2024-01-02 13:00:00", &secret);
    let body = format!(
        "id=1001&email=ivan%40example.com&paid=2024-01-02+13%3A00%3A00&last_payment_sum=990\
         &items%5B0%5D%5Bid%5D=book&items%5B0%5D%5Bsum%5D=990&hash={hash}"
    );
    let (event, time_field) = webhooks::parse_verified(body.as_bytes(), &secret)?;
    match &event {
        Event::Paid(paid) => println!(
            "order {} paid, {} item(s), hash matched with {:?}",
            paid.order.id.as_deref().unwrap_or("?"),
            paid.order.items.len(),
            time_field
        ),
        other => println!("{} event", other.kind()),
    }
    Ok(())
}
