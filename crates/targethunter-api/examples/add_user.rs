//! Adds a user to a bot with a payload, then sets and reads a user variable.
//!
//! ```sh
//! cargo xtask sandbox &    # or use the real API: unset TARGETHUNTER_BASE_URL
//! TARGETHUNTER_API_KEY=cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2 \
//! TARGETHUNTER_BASE_URL=http://127.0.0.1:8480/targethunter/api/ \
//!     cargo run -p targethunter-api --example add_user -- 607d97c6a01c6a25972ed95e 102036383
//! ```

use targethunter_api::{BotsAddUser, Channel, Client, DEFAULT_BASE_URL, VarsGet, VarsSet};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api_key = std::env::var("TARGETHUNTER_API_KEY").map_err(|_| "set TARGETHUNTER_API_KEY")?;
    let base_url =
        std::env::var("TARGETHUNTER_BASE_URL").unwrap_or_else(|_| DEFAULT_BASE_URL.to_owned());
    let mut args = std::env::args().skip(1);
    let (Some(bot_id), Some(uid)) = (args.next(), args.next()) else {
        return Err("usage: add_user <bot_id> <uid>".into());
    };
    let uid: i64 = uid.parse()?;

    let client = Client::builder(api_key).base_url(base_url).build()?;

    let mut payload = serde_json::Map::new();
    payload.insert("source".into(), "rust example".into());
    let added = client
        .bots_add_user(
            BotsAddUser::new(bot_id, uid, Channel::Vk)
                .force(true)
                .payload(payload),
        )
        .await?;
    println!(
        "added: {:?} ({})",
        added.added,
        added.message.unwrap_or_default()
    );

    client
        .vars_set(VarsSet::new("last_seen", uid, "today").channel(Channel::Vk))
        .await?;
    let value = client
        .vars_get(VarsGet::new("last_seen", uid).channel(Channel::Vk))
        .await?;
    println!("last_seen = {:?}", value.value);
    Ok(())
}
