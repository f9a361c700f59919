//! Subscribes a contact, creates an order and marks it paid.
//!
//! Against your account: `JUSTCLICK_LOGIN=... JUSTCLICK_SECRET=... cargo run -p justclick-api
//! --example subscribe_and_order`. Without those variables it starts the local sandbox and uses
//! its demo account.

use justclick_api::{
    AddLeadToGroup, ApiError, Client, CreateOrder, Error, GetLeadGroupStatuses, Good, OrderStatus,
    UpdateOrderStatus, Utm,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, sandbox) = match (
        std::env::var("JUSTCLICK_LOGIN"),
        std::env::var("JUSTCLICK_SECRET"),
    ) {
        (Ok(login), Ok(secret)) => (Client::new(login, secret)?, None),
        _ => {
            let sandbox = th_sandbox::start(Default::default(), "127.0.0.1:0".parse()?).await?;
            let client = Client::builder("username", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
                .base_url(sandbox.justclick_url())
                .build()?;
            println!("using the sandbox at {}", sandbox.justclick_url());
            (client, Some(sandbox))
        }
    };

    let email = "ivan@example.com";
    let subscribed = client
        .add_lead_to_group(
            AddLeadToGroup::new(["super", "clients_2"], email)
                .lead_name("Иван")
                .utm(Utm::new().utm_source("example")),
        )
        .await?;
    println!("subscribe: {:?}", subscribed.outcome);

    for status in client
        .get_lead_group_statuses(GetLeadGroupStatuses::new(email))
        .await?
    {
        println!(
            "  {} ({}): {}",
            status.rass_name, status.rass_title, status.rass_status
        );
    }

    let order = client
        .create_order(CreateOrder::new([Good::new("invoice")], email))
        .await?;
    println!(
        "order {} (already existed: {})",
        order.bill_id, order.already_existed
    );

    match client
        .update_order_status(
            UpdateOrderStatus::new(order.bill_id.as_str(), OrderStatus::Paid).date(1_700_000_000),
        )
        .await
    {
        Ok(ack) => println!("paid: {}", ack.text),
        Err(e @ Error::Service(ApiError::Api { .. })) => println!("the service said no: {e}"),
        Err(e) => return Err(e.into()),
    }
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    Ok(())
}
