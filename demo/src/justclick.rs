//! JustClick: subscribe a contact to two groups, update it, read its statuses, create an order,
//! pay it, read it back, walk a half-year of orders in one-month windows, verify a paid-order
//! notification — and the failures: a forged signature, a refused input.

use std::fmt::Debug;

use justclick_api::webhooks::{self, Event};
use justclick_api::{Ack, sign};
use justclick_api::{
    AddLeadToGroup, ApiError, Client, CreateOrder, CreatedOrder, Date, Error, GetLeadGroupStatuses,
    GetOrderDetails, GetOrdersWithGoods, Good, GroupStatus, Order, OrderStatus, PaidOnly, Secret,
    Subscribed, UpdateOrderStatus, UpdateSubscriberData, Utm,
};
use th_sandbox::SandboxHandle;

use crate::steps::{Show, Steps};

const LOGIN: &str = "username";
const SECRET: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const EMAIL: &str = "ivan.petrov@example.com";

struct Jc<T>(T);

impl Show for Jc<Subscribed> {
    fn show(&self) -> String {
        format!("{:?} ({:?})", self.0.outcome, self.0.text)
    }
}

impl Show for Jc<Ack> {
    fn show(&self) -> String {
        format!("error_code 0, {:?}", self.0.text)
    }
}

impl Show for Jc<Vec<GroupStatus>> {
    fn show(&self) -> String {
        self.0
            .iter()
            .map(|s| format!("{} = {}", s.rass_name, s.rass_status))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Show for Jc<CreatedOrder> {
    fn show(&self) -> String {
        format!(
            "bill_id {}, already existed: {}",
            self.0.bill_id, self.0.already_existed
        )
    }
}

impl Show for Jc<Option<Order>> {
    fn show(&self) -> String {
        match &self.0 {
            Some(o) => format!(
                "order {} for {}: pay_status {}, price {}, items [{}]",
                o.id.as_deref().unwrap_or("?"),
                o.email.as_deref().unwrap_or("?"),
                o.pay_status.as_deref().unwrap_or("?"),
                o.price.unwrap_or_default(),
                o.items
                    .iter()
                    .map(|i| format!(
                        "{} {}",
                        i.id.as_deref().unwrap_or("?"),
                        i.sum.unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "no such order".to_owned(),
        }
    }
}

impl Show for Jc<Vec<Order>> {
    fn show(&self) -> String {
        format!(
            "{} orders: {}",
            self.0.len(),
            self.0
                .iter()
                .map(|o| o
                    .created
                    .as_deref()
                    .unwrap_or("?")
                    .get(..10)
                    .unwrap_or("?")
                    .to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn expect<T: Debug>(
    result: Result<T, Error>,
    check: impl FnOnce(&T) -> bool,
    what: &str,
) -> Result<Jc<T>, String> {
    match result {
        Ok(v) if check(&v) => Ok(Jc(v)),
        Ok(v) => Err(format!("expected {what}, got {v:?}")),
        Err(e) => Err(format!("expected {what}, got error: {e}")),
    }
}

/// Runs the JustClick section.
pub async fn run(steps: &mut Steps, sandbox: &SandboxHandle) {
    if let Err(e) = scenario(steps, &sandbox.justclick_url()).await {
        steps.check::<&str>("JustClick setup", Err(e.to_string()));
    }
}

async fn scenario(steps: &mut Steps, base_url: &str) -> Result<(), Error> {
    println!("\n== JustClick ({base_url}) ==");
    let client = Client::builder(LOGIN, SECRET).base_url(base_url).build()?;

    steps.check(
        "AddLeadToGroup: subscribe to `super` and `clients_2` with utm labels",
        expect(
            client
                .add_lead_to_group(
                    AddLeadToGroup::new(["super", "clients_2"], EMAIL)
                        .lead_name("Иван Петров")
                        .utm(Utm::new().utm_source("direct").utm_campaign("My Campaign")),
                )
                .await,
            |r| r.outcome == justclick_api::SubscribeOutcome::Subscribed,
            "subscribed",
        ),
    );
    steps.check(
        "AddLeadToGroup again: already subscribed (code 102) is an answer, not an error",
        expect(
            client
                .add_lead_to_group(AddLeadToGroup::new(["super"], EMAIL))
                .await,
            |r| r.outcome == justclick_api::SubscribeOutcome::AlreadySubscribed,
            "already subscribed",
        ),
    );
    steps.check(
        "UpdateSubscriberData: city Москва, tags vip,webinar 2024",
        expect(
            client
                .update_subscriber_data(
                    UpdateSubscriberData::new(EMAIL)
                        .lead_city("Москва")
                        .lead_tags("vip,webinar 2024"),
                )
                .await,
            |_| true,
            "ok",
        ),
    );
    steps.check(
        "GetLeadGroupStatuses: read the contact's statuses",
        expect(
            client
                .get_lead_group_statuses(GetLeadGroupStatuses::new(EMAIL))
                .await,
            |s| s.len() == 2,
            "two subscriptions",
        ),
    );
    let order = steps.check(
        "CreateOrder: the `invoice` product at 1500.50 instead of its list price",
        expect(
            client
                .create_order(
                    CreateOrder::new([Good::new("invoice").sum("1500.50")], EMAIL)
                        .bill_first_name("Иван"),
                )
                .await,
            |o| !o.already_existed,
            "a new order",
        ),
    );
    if let Some(Jc(order)) = order {
        let bill = order.bill_id.as_str();
        steps.check(
            "UpdateOrderStatus: paid",
            expect(
                client
                    .update_order_status(
                        UpdateOrderStatus::new(bill, OrderStatus::Paid).date(1_700_000_000),
                    )
                    .await,
                |a| a.text == "order status changed",
                "order status changed",
            ),
        );
        steps.check(
            "getOrderDetails: read it back",
            expect(
                client
                    .get_order_details(GetOrderDetails::new(bill).good_info(true))
                    .await,
                |o| o.as_ref().and_then(|o| o.pay_status.as_deref()) == Some("paid"),
                "a paid order",
            ),
        );
    }
    let d = |s| Date::parse(s).map_err(Error::InvalidInput);
    steps.check(
        "getOrdersWithGoods over 01.01–30.06.2024: six one-month windows, one list",
        expect(
            client
                .orders_with_goods_between(
                    d("01.01.2024")?,
                    d("30.06.2024")?,
                    GetOrdersWithGoods::new().paid(PaidOnly),
                )
                .await,
            |o| o.len() == 6,
            "six orders",
        ),
    );

    let secret = Secret::new(SECRET);
    let hash = sign::notification_hash("1001", EMAIL, "2024-01-02 13:00:00", &secret);
    let body = format!(
        "id=1001&email=ivan.petrov%40example.com&paid=2024-01-02+13%3A00%3A00&last_payment_sum=1500.50&hash={hash}"
    );
    steps.check(
        "notification: a paid-order POST parsed and its md5 verified",
        match webhooks::parse_verified(body.as_bytes(), &secret) {
            Ok((event @ Event::Paid(_), Some(field))) => Ok(format!(
                "{} event, hash matched with the `{field:?}` time field",
                event.kind()
            )),
            other => Err(format!("expected a verified paid event, got {other:?}")),
        },
    );

    let forger = Client::builder(LOGIN, "not-the-secret-key")
        .base_url(base_url)
        .build()?;
    steps.check(
        "signature failure: a client with the wrong secret cannot verify the answer",
        match forger
            .get_lead_group_statuses(GetLeadGroupStatuses::new(EMAIL))
            .await
        {
            Err(e @ Error::Service(ApiError::Signature { .. })) => Ok(format!("{e}")),
            other => Err(format!("expected a signature error, got {other:?}")),
        },
    );
    steps.check(
        "error case: UpdateOrderStatus `sent` without `rpo` is refused before sending",
        match client
            .update_order_status(UpdateOrderStatus::new("1001", OrderStatus::Sent).date(1))
            .await
        {
            Err(e @ Error::InvalidInput(_)) => Ok(format!("{e}")),
            other => Err(format!("expected invalid input, got {other:?}")),
        },
    );
    Ok(())
}
