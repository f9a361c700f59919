//! JustClick client against the sandbox: contacts, groups, orders with status changes, goods,
//! partner stats, API 2.0 and the one-month windows of getOrdersWithGoods; signatures both ways
//! (a wrong secret is refused by the sandbox with a signed code 4, which the client then
//! refuses too, because it cannot verify it); and the vendor's PHP example against the sandbox.
#![allow(deprecated)]

use justclick_api::{
    AddGood, AddLeadToGroup, ApiError, ApiErrorCode, Client, CreateOrder, Date, DeleteGood,
    DeleteOrder, DeleteSubscribe, Error, GetAllGoods, GetAllGroups, GetBills, GetCountSubscribe,
    GetLeadGroupStatuses, GetLeadGroups, GetOrderDetails, GetOrderInfo, GetOrders,
    GetOrdersWithGoods, GetPartnerStats, Good, OrderStatus, PaidOnly, PayStatus, RawRequest,
    SignatureError, SubscribeOutcome, SubscriptionStatus, UpdateGood, UpdateOrderStatus,
    UpdateSubscriberData, Utm, V2AddTagToLead, V2AddUpdateLead, V2CreateOrder, V2GetAllLists,
    V2GetCoupons, V2GetGoods, V2GetPersonalManagers, V2RemoveLeadFromList, V2RemoveTagFromLead,
};
use serde_json::Value;

const LOGIN: &str = "username";
const SECRET: &str = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

async fn sandbox() -> th_sandbox::SandboxHandle {
    // The emulation's scenarios, not the rate limits (tests/it/sandbox/limits.rs): the calls
    // here are not spaced.
    th_sandbox::start(
        th_sandbox::SandboxConfig {
            limits: th_sandbox::LimitsConfig::off(),
            ..th_sandbox::SandboxConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .expect("sandbox starts")
}

fn client(sandbox: &th_sandbox::SandboxHandle) -> Client {
    Client::builder(LOGIN, SECRET)
        .base_url(sandbox.justclick_url())
        .build()
        .expect("client")
}

#[tokio::test]
async fn contacts_and_groups() {
    let sb = sandbox().await;
    let c = client(&sb);
    let groups = c.get_all_groups(GetAllGroups::new()).await.expect("groups");
    let names: Vec<&str> = groups.iter().map(|g| g.rass_name.as_str()).collect();
    assert_eq!(names, ["super", "clients_2", "1594725950.5982672784"]);

    let added = c
        .add_lead_to_group(
            AddLeadToGroup::new(["super", "clients_2"], "ivan@example.com")
                .lead_name("Иван Петров")
                .lead_phone("+7 (999) 123-45-67")
                .doneurl2("https://example.com/thanks?a=1&b=2")
                .utm(Utm::new().partner("partner1").utm_campaign("spring")),
        )
        .await
        .expect("subscribe");
    assert_eq!(added.outcome, SubscribeOutcome::Subscribed);
    let again = c
        .add_lead_to_group(AddLeadToGroup::new(["super"], "ivan@example.com"))
        .await
        .expect("already subscribed is an answer");
    assert_eq!(again.outcome, SubscribeOutcome::AlreadySubscribed);
    let activation = c
        .add_lead_to_group(
            AddLeadToGroup::new("1594725950.5982672784", "ivan@example.com").activation(true),
        )
        .await
        .expect("activation");
    assert_eq!(activation.outcome, SubscribeOutcome::ActivationSent);

    let err = c
        .add_lead_to_group(AddLeadToGroup::new("nope", "ivan@example.com"))
        .await
        .expect_err("unknown group");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::InvalidGroup));
    let err = c
        .add_lead_to_group(AddLeadToGroup::new("allleads", "ivan@example.com"))
        .await
        .expect_err("auto group");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::SubscriptionForbidden));

    c.update_subscriber_data(
        UpdateSubscriberData::new("ivan@example.com")
            .lead_city("Москва")
            .lead_tags("vip,webinar 2024"),
    )
    .await
    .expect("update");
    let err = c
        .update_subscriber_data(UpdateSubscriberData::new("nobody@example.com"))
        .await
        .expect_err("unknown contact");
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::SubscriberAddressNotFound)
    );
    assert!(err.is_not_found());

    let statuses = c
        .get_lead_group_statuses(GetLeadGroupStatuses::new("ivan@example.com"))
        .await
        .expect("statuses");
    let got: Vec<(&str, &SubscriptionStatus)> = statuses
        .iter()
        .map(|s| (s.rass_name.as_str(), &s.rass_status))
        .collect();
    assert_eq!(
        got,
        [
            ("super", &SubscriptionStatus::Subscribe),
            ("clients_2", &SubscriptionStatus::Subscribe),
            ("1594725950.5982672784", &SubscriptionStatus::Wait)
        ]
    );
    assert!(statuses[0].subscription_time.is_some());

    c.delete_subscribe(DeleteSubscribe::new("ivan@example.com", "clients_2"))
        .await
        .expect("unsubscribe");
    let groups = c
        .get_lead_groups(GetLeadGroups::new("ivan@example.com"))
        .await
        .expect("lead groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].rass_title, "Super group");
    let err = c
        .get_lead_group_statuses(GetLeadGroupStatuses::new("nobody@example.com"))
        .await
        .expect_err("no contact");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::SubscriberNotFound));

    let count = c
        .get_count_subscribe(GetCountSubscribe::new("super"))
        .await
        .expect("count");
    assert_eq!(count.count, 2); // the seeded lead@email.com and ivan
    let all = c
        .get_count_subscribe(GetCountSubscribe::new("all"))
        .await
        .expect("count all");
    assert_eq!(all.count, 2);

    let stats = c
        .get_partner_stats(GetPartnerStats::new("partner1"))
        .await
        .expect("stats");
    assert_eq!(stats.leads_total, Some(15), "{stats:?}");
    let statuses = sb
        .sandbox()
        .justclick()
        .contact_statuses("ivan@example.com");
    assert_eq!(
        statuses.map(|s| s.len()),
        Some(3),
        "state kept in the sandbox"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn orders_and_goods() {
    let sb = sandbox().await;
    let c = client(&sb);
    let goods = c.get_all_goods(GetAllGoods::new()).await.expect("goods");
    assert_eq!(goods.len(), 3);
    assert_eq!(goods[1].good_sum.as_deref(), Some("3900.00"));

    c.add_good(AddGood::new("course", 0, "Course", 1500.5))
        .await
        .expect("add good");
    c.update_good(UpdateGood::new("course", 2000).good_title("Course 2"))
        .await
        .expect("update good");
    let goods = c.get_all_goods(GetAllGoods::new()).await.expect("goods");
    let course = goods.iter().find(|g| g.good_name == "course").expect("new");
    assert_eq!(
        (course.good_title.as_str(), course.good_sum.as_deref()),
        ("Course 2", Some("2000.00"))
    );

    let order = c
        .create_order(
            CreateOrder::new(
                [Good::new("course"), Good::new("invoice").sum(1200)],
                "buyer@example.com",
            )
            .bill_first_name("Пётр")
            .bill_domain("shop.example.com")
            .utm(Utm::new().partner("partner1")),
        )
        .await
        .expect("order");
    assert!(!order.already_existed);
    let again = c
        .create_order(CreateOrder::new(
            [Good::new("course"), Good::new("invoice")],
            "buyer@example.com",
        ))
        .await
        .expect("601 is an answer");
    assert!(again.already_existed);
    assert_eq!(again.bill_id, order.bill_id);

    let err = c
        .create_order(CreateOrder::new("nope", "buyer@example.com"))
        .await
        .expect_err("unknown product");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ProductNotExist));
    let err = c
        .create_order(CreateOrder::new("book", "buyer@example.com"))
        .await
        .expect_err("physical goods need an address");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::DeliveryDataMissing));

    let bill = order.bill_id.as_str();
    c.update_order_status(UpdateOrderStatus::new(bill, OrderStatus::Paid).date(1_700_000_000))
        .await
        .expect("paid");
    let err = c
        .update_order_status(UpdateOrderStatus::new(bill, OrderStatus::Cancel))
        .await
        .expect_err("a paid order cannot be cancelled");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::WrongStatusForChange));
    let details = c
        .get_order_details(GetOrderDetails::new(bill).good_info(true))
        .await
        .expect("details")
        .expect("found");
    assert_eq!(details.pay_status.as_deref(), Some("paid"));
    assert_eq!(details.items.len(), 2);
    assert_eq!(details.items[1].sum, Some(1200.0));
    assert_eq!(details.items[1].price, Some(1500.0));
    assert_eq!(
        details.items[0].partners[0].partner_id.as_deref(),
        Some("partner1")
    );
    assert_eq!(
        details.link.as_deref(),
        Some(format!("https://shop.example.com/order/{bill}/").as_str())
    );
    let info = c
        .get_order_info(GetOrderInfo::new(bill))
        .await
        .expect("info")
        .expect("found");
    assert!(info.items.is_empty());
    assert_eq!(
        sb.sandbox().justclick().order_status(bill),
        Some((
            "paid".to_owned(),
            vec!["waiting".to_owned(), "paid".to_owned()]
        ))
    );

    let bills = c
        .get_bills(GetBills::new("buyer@example.com").pay_status(PayStatus::Paid))
        .await
        .expect("bills");
    assert_eq!(bills.len(), 1);
    assert_eq!(bills[0].bill_id, order.bill_id);
    let none = c
        .get_bills(GetBills::new("buyer@example.com").pay_status(PayStatus::Waiting))
        .await
        .expect("400 is an empty list");
    assert!(none.is_empty());

    let stats = c
        .get_partner_stats(GetPartnerStats::new("partner1"))
        .await
        .expect("stats");
    assert_eq!(stats.bills_total, Some(4));
    assert_eq!(stats.earned_total, Some(1170.0 + 320.0));

    c.delete_order(DeleteOrder::new(bill))
        .await
        .expect("delete");
    assert_eq!(
        c.get_order_details(GetOrderDetails::new(bill))
            .await
            .expect("400 is None"),
        None
    );
    let err = c
        .delete_order(DeleteOrder::new(bill))
        .await
        .expect_err("gone");
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::OrderNonexistentForChange)
    );

    c.delete_good(DeleteGood::new("course")).await.expect("del");
    let err = c
        .delete_good(DeleteGood::new("course"))
        .await
        .expect_err("gone");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::ProductNotExist));

    let all = c
        .get_orders(GetOrders::new().paid(PaidOnly))
        .await
        .expect("orders");
    assert_eq!(all.len(), 6, "the seeded paid orders");
    sb.shutdown().await;
}

#[tokio::test]
async fn long_ranges_are_walked_in_month_windows() {
    let sb = sandbox().await;
    let c = client(&sb);
    let before = sb.sandbox().justclick().request_count();
    let d = |s| Date::parse(s).expect("date");
    let orders = c
        .orders_with_goods_between(
            d("01.01.2024"),
            d("30.06.2024"),
            GetOrdersWithGoods::new().paid(PaidOnly),
        )
        .await
        .expect("orders");
    assert_eq!(sb.sandbox().justclick().request_count() - before, 6);
    assert_eq!(orders.len(), 6, "one seeded order per month");
    assert!(orders.iter().all(|o| !o.items.is_empty()));
    // One call with the same range: the sandbox trims it to the last month, like the API.
    let one = c
        .get_orders_with_goods(
            GetOrdersWithGoods::new()
                .begin_date(d("01.01.2024"))
                .end_date(d("30.06.2024")),
        )
        .await
        .expect("one call");
    assert_eq!(one.len(), 1);
    let filtered = c
        .orders_with_goods_between(
            d("01.01.2024"),
            d("30.06.2024"),
            GetOrdersWithGoods::new().goods(vec![2]),
        )
        .await
        .expect("by product");
    assert_eq!(filtered.len(), 3);

    // The sandbox trims like PHP's `strtotime('-1 month')`: a call for 01.03–31.03.2023 starts at
    // 03.03 ("31.02" overflows), so an order of 01.03 is only found because the client's window
    // from the 1st stops at 29.03 there.
    let march_first = c
        .create_order(CreateOrder::new("invoice", "march@example.com").bill_created(1_677_672_000))
        .await
        .expect("order of 2023-03-01 12:00 UTC");
    let month = c
        .get_orders_with_goods(
            GetOrdersWithGoods::new()
                .begin_date(d("01.03.2023"))
                .end_date(d("31.03.2023")),
        )
        .await
        .expect("one call");
    assert!(month.is_empty(), "trimmed to 03.03: {month:?}");
    let before = sb.sandbox().justclick().request_count();
    let year = c
        .orders_with_goods_between(d("01.01.2023"), d("31.12.2023"), GetOrdersWithGoods::new())
        .await
        .expect("2023");
    let ids: Vec<&str> = year.iter().filter_map(|o| o.id.as_deref()).collect();
    assert_eq!(ids, [march_first.bill_id.as_str()]);
    assert_eq!(sb.sandbox().justclick().request_count() - before, 13);
    sb.shutdown().await;
}

#[tokio::test]
async fn api_2_methods() {
    let sb = sandbox().await;
    let c = client(&sb);
    c.v2_add_update_lead(
        V2AddUpdateLead::new("v2@example.com")
            .add_to_lists("super,clients_2")
            .add_tags("a,b")
            .lead_first_name("Anna"),
    )
    .await
    .expect("addupdatelead");
    c.v2_add_tag_to_lead(V2AddTagToLead::new("v2@example.com", "c"))
        .await
        .expect("tag");
    c.v2_remove_tag_from_lead(V2RemoveTagFromLead::new("v2@example.com", "a"))
        .await
        .expect("untag");
    c.v2_remove_lead_from_list(V2RemoveLeadFromList::new("v2@example.com", "clients_2"))
        .await
        .expect("unlist");
    let statuses = sb
        .sandbox()
        .justclick()
        .contact_statuses("v2@example.com")
        .expect("contact");
    assert_eq!(
        statuses,
        [
            ("super".to_owned(), "STATUS_SUBSCRIBE".to_owned()),
            ("clients_2".to_owned(), "STATUS_UNSUBSCRIBE".to_owned())
        ]
    );
    let lists = c
        .v2_get_all_lists(V2GetAllLists::new())
        .await
        .expect("lists");
    assert_eq!(lists[0].rass_name, "super");
    assert_eq!(lists[0].rass_id.as_deref(), Some("1"));
    assert_eq!(c.v2_get_goods(V2GetGoods::new()).await.expect("g").len(), 3);
    assert_eq!(
        c.v2_get_coupons(V2GetCoupons::new()).await.expect("c")[0].coupon,
        "WELCOME10"
    );
    assert_eq!(
        c.v2_get_personal_managers(V2GetPersonalManagers::new())
            .await
            .expect("m")[0]
            .manager_name,
        "Anna Manager"
    );
    let created = c
        .v2_create_order(
            V2CreateOrder::new("invoice,sales")
                .customer_email("v2@example.com")
                .product_prices("100,200")
                .order_status("Paid"),
        )
        .await
        .expect("createorder");
    assert_eq!(created.text, "OK");
    // The page prints `"result":[]` (https://help.justclick.ru/archives/11662): the new
    // order is found through GetBills.
    assert_eq!(created.result, serde_json::json!([]));
    let bills = c
        .get_bills(GetBills::new("v2@example.com"))
        .await
        .expect("bills");
    let bill = bills.last().expect("the new order").bill_id.clone();
    assert_eq!(
        sb.sandbox().justclick().order_status(&bill).map(|s| s.0),
        Some("paid".to_owned())
    );
    let err = c
        .v2_add_tag_to_lead(V2AddTagToLead::new("nobody@example.com", "x"))
        .await
        .expect_err("unknown contact");
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::SubscriberAddressNotFound)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn signatures_both_ways() {
    let sb = sandbox().await;
    // A wrong secret: the sandbox refuses the request (code 4) and signs that answer with the
    // real secret, which the client cannot verify: a signature error, with no secret in it.
    let wrong = Client::builder(LOGIN, "wrong-secret-key-0000")
        .base_url(sb.justclick_url())
        .build()
        .expect("client");
    let err = wrong
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            Error::Service(ApiError::Signature {
                reason: SignatureError::Mismatch,
                ..
            })
        ),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-secret-key-0000") && !shown.contains(SECRET));

    // With the check switched off (the documented opt-out), the refusal itself is visible.
    let unchecked = Client::builder(LOGIN, "wrong-secret-key-0000")
        .base_url(sb.justclick_url())
        .verify_response_hash(false)
        .build()
        .expect("client");
    let err = unchecked
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("refused");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectHash));
    // A wrong login: the signature covers it too.
    let err = Client::builder("someone", SECRET)
        .base_url(sb.justclick_url())
        .build()
        .expect("client")
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("refused");
    assert_eq!(err.api_code(), Some(&ApiErrorCode::IncorrectHash));

    // Raw calls: the verified envelope of any method.
    let c = client(&sb);
    let env = c
        .raw(RawRequest::new("GetCountSubscribe").param("group_name", "unique"))
        .await
        .expect("raw");
    assert_eq!((env.code, env.result.clone()), (0, Value::from("1")));
    let err = c
        .raw(RawRequest::new("NoSuchMethod"))
        .await
        .expect_err("unknown method");
    assert!(
        matches!(
            err,
            Error::Status(th_core::StatusError::Http { status: 404, .. })
        ),
        "{err:?}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn sandbox_wire_rules() {
    let sb = sandbox().await;
    let http = reqwest_like(&sb).await;
    // No hash: code 1; no data: code 2; a wrong-case name: 307 to the right one.
    let (status, body) = http("GetAllGroups", "a=1").await;
    assert_eq!((status, body["error_code"].clone()), (200, Value::from(1)));
    let (_, body) = http("GetAllGroups", "").await;
    assert_eq!(body["error_code"], 2);
    let (status, _) = http("getallgroups", "hash=x").await;
    assert_eq!(status, 307);
    // Every answer is signed with md5(code::text::secret).
    let hash = justclick_api::sign::response_hash(
        "2",
        "no transmitted data",
        &justclick_api::Secret::new(SECRET),
    );
    assert_eq!(body["hash"], hash.as_str());
    sb.shutdown().await;
}

type Poster =
    Box<dyn Fn(&str, &str) -> std::pin::Pin<Box<dyn std::future::Future<Output = (u16, Value)>>>>;

async fn reqwest_like(sb: &th_sandbox::SandboxHandle) -> Poster {
    let base = sb.justclick_url();
    Box::new(move |method: &str, body: &str| {
        let url = format!("{base}{method}");
        let body = body.to_owned();
        Box::pin(async move {
            use th_core::{HttpRequest, ReqwestTransport, Transport};
            let resp = ReqwestTransport::new()
                .expect("t")
                .send(
                    HttpRequest::new(http::Method::POST, url)
                        .body("application/x-www-form-urlencoded", body),
                )
                .await;
            match resp {
                Ok(r) => (
                    r.status.as_u16(),
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                ),
                Err(th_core::TransportError::Redirect { .. }) => (307, Value::Null),
                Err(e) => panic!("{e}"),
            }
        })
    })
}

/// The vendor's PHP example (UpdateSubscriberData) against the sandbox, verbatim except for the
/// URL: as printed it sends no `lead_email` and gets the documented error 100, correctly signed;
/// with the e-mail of an existing contact it gets error_code 0. Its own `CheckHash` accepts both
/// answers (otherwise it prints "Ошибка! Подпись к ответу не верна!" and the answer), so the
/// whole output is compared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_php_example_against_the_sandbox() {
    let Some(_) = integration_tests::php("the vendor's UpdateSubscriberData example") else {
        return;
    };
    let sb = sandbox().await;
    let original = std::fs::read_to_string(integration_tests::fixture(
        "vendor/justclick_update_subscriber.php",
    ))
    .expect("fixture");
    const VENDOR_URL: &str = "'https://username.justclick.ru/api/UpdateSubscriberData'";
    assert_eq!(
        original.matches(VENDOR_URL).count(),
        1,
        "the vendor's URL, once"
    );
    let as_printed = original.replacen(
        VENDOR_URL,
        &format!("'{}UpdateSubscriberData'", sb.justclick_url()),
        1,
    );
    let with_email = as_printed.replacen(
        "$send_data = array(",
        "$send_data = array(\n    'lead_email' => 'lead@email.com',",
        1,
    );
    assert_ne!(as_printed, with_email);
    let dir = std::env::temp_dir().join(format!("justclick-vendor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");

    let run = |name: &str, script: &str| {
        let path = dir.join(name);
        std::fs::write(&path, script).expect("write");
        tokio::task::spawn_blocking(move || {
            let mut php = integration_tests::php("vendor example").expect("php");
            php.arg(path).output()
        })
    };
    let contact = || {
        let state = sb.sandbox().justclick().snapshot();
        state["contacts"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["email"] == "lead@email.com"))
            .cloned()
            .expect("contact")
    };
    let before = contact();
    for (name, script, expected) in [
        (
            "as_printed.php",
            &as_printed,
            "Ошибка код:100 - описание: email is missing",
        ),
        (
            "with_email.php",
            &with_email,
            "Данные пользователя обновлены. Ответ сервиса: ok",
        ),
    ] {
        let requests = sb.sandbox().justclick().request_count();
        let output = run(name, script).await.expect("join").expect("php runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout, expected, "{name}");
        assert_eq!(
            sb.sandbox().justclick().request_count(),
            requests + 1,
            "{name} reached the sandbox"
        );
        if name == "as_printed.php" {
            assert_eq!(contact(), before, "an error changes nothing");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The update landed: the seeded contact has the new name, phone, city and tags.
    let contact = contact();
    assert_eq!(contact["name"], "Новое Имя2");
    assert_eq!(contact["phone"], "+77777777777");
    assert_eq!(contact["city"], "Мухоловск");
    assert_eq!(contact["tags"], serde_json::json!(["tag1", "tag2", "tag3"]));
    sb.shutdown().await;
}
