//! Connect a Telegram account by QR code (with the 2FA password when the account has one), then
//! send a message.
//!
//! ```sh
//! RADIST_API_KEY=... RADIST_COMPANY_ID=151429 cargo run -p radist-api --example telegram_login
//! ```
//!
//! Without `RADIST_API_KEY` it runs against an in-process sandbox whose phone "scans" the QR code
//! after 4 seconds and whose 2FA password the example knows.

use std::io::Write;
use std::time::Duration;

use futures::StreamExt;
use radist_api::{Client, CreateChat, LoginEvent, LoginFlow, SendMessage};
use th_sandbox::{SandboxConfig, radist};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut _sandbox = None;
    let (client, poll, sandbox_password) = match std::env::var("RADIST_API_KEY") {
        Ok(key) => {
            let company: i64 = std::env::var("RADIST_COMPANY_ID")?.parse()?;
            (Client::new(key, company)?, Duration::from_secs(5), None)
        }
        Err(_) => {
            let config = SandboxConfig {
                radist: radist::Config {
                    qr_rotation: Duration::from_secs(2),
                    auto_scan_after: Some(Duration::from_secs(4)),
                    ..radist::Config::default()
                },
                ..SandboxConfig::default()
            };
            let sandbox = th_sandbox::start(config, "127.0.0.1:0".parse()?).await?;
            println!(
                "(no RADIST_API_KEY: using the sandbox at {})",
                sandbox.radist_url()
            );
            let client = Client::builder(radist::DEMO_API_KEY)
                .base_url(sandbox.radist_url())
                .company_id(radist::DEMO_COMPANY_ID)
                .build()?;
            _sandbox = Some(sandbox);
            (client, Duration::from_secs(1), Some(radist::DEMO_PASSWORD))
        }
    };

    let mut login = client.login(LoginFlow::telegram_qr().poll_interval(poll));
    let handle = login.handle();
    let mut connection_id = None;
    while let Some(event) = login.next().await {
        match event {
            Ok(LoginEvent::QrCode { url, .. }) => {
                println!("Scan in Telegram (Settings → Devices → Link Desktop Device): {url}");
            }
            Ok(LoginEvent::PasswordNeeded) => match sandbox_password {
                Some(password) => handle.submit_password(password),
                None => {
                    print!("2FA password: ");
                    std::io::stdout().flush()?;
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    handle.submit_password(line.trim_end().to_owned());
                }
            },
            Ok(LoginEvent::ConnectionCreated(c)) => connection_id = c.id,
            Ok(other) => println!("{other:?}"),
            Err(e) if e.is_recoverable() => println!("{e}; try again"),
            Err(e) => return Err(e.into()),
        }
    }
    let connection_id = connection_id.ok_or("no connection")?;
    let chat = client
        .create_chat(CreateChat::by_user_name(connection_id, "@durov"))
        .await?;
    let sent = client
        .send_message(SendMessage::text_message(
            connection_id,
            chat.chat_id.ok_or("no chat")?,
            "Hello from Rust",
        ))
        .await?;
    println!("sent {:?}", sent.message_id);
    Ok(())
}
