//! JustClick client against wiremock: for every method the exact request (POST, path, headers,
//! body bytes including the md5 `hash`, whose values were computed with PHP's
//! `md5(http_build_query(...)."::username::".$secret)`), and the mapping of every response shape:
//! signature checks, special codes, errors, retries, secrets.
#![allow(deprecated)]

use std::sync::Arc;
use std::time::Duration;

use justclick_api::{
    AddGood, AddLeadToGroup, ApiError, ApiErrorCode, Client, ClientOptions, CreateOrder, Date,
    DeleteGood, DeleteOrder, DeleteSubscribe, Error, GetAllGoods, GetAllGroups, GetBills,
    GetCountSubscribe, GetLeadGroupStatuses, GetLeadGroups, GetOrderDetails, GetOrderInfo,
    GetOrders, GetOrdersWithGoods, GetPartnerStats, Good, IsoDate, OrderStatus, PaidOnly,
    PayStatus, RawRequest, RetryPolicy, Secret, SignatureError, SubscribeOutcome, UpdateGood,
    UpdateOrderStatus, UpdateSubscriberData, Utm, V2AddTagToLead, V2AddUpdateLead, V2CreateOrder,
    V2GetAllLists, V2GetCoupons, V2GetGoods, V2GetPersonalManagers, V2RemoveLeadFromList,
    V2RemoveTagFromLead,
};
use serde_json::{Value, json};
use th_core::{ManualClock, StatusError};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The facts file's worked-example credentials.
const LOGIN: &str = "username";
const SECRET: &str = "0123456789abcdef0123456789abcdef01234567";

fn secret() -> Secret {
    Secret::new(SECRET)
}

fn signed(code: i64, text: &str, result: Option<Value>) -> Value {
    let hash = justclick_api::sign::response_hash(&code.to_string(), text, &secret());
    let mut v = json!({"error_code": code, "error_text": text, "hash": hash});
    if let Some(r) = result {
        v["result"] = r;
    }
    v
}

/// A plausible `result` for each method, so every typed decoder runs.
fn result_for(method: &str) -> Option<Value> {
    Some(match method {
        "GetAllGroups" | "GetLeadGroups" => json!([{"rass_name": "super", "rass_title": "Super"}]),
        "GetLeadGroupStatuses" => json!([{"rass_name": "super", "rass_title": "Super",
            "rass_status": "STATUS_SUBSCRIBE", "subscription_time": "2024-01-01 10:00:00"}]),
        "GetCountSubscribe" => json!("12"),
        "CreateOrder" => json!({"bill_id": "1001"}),
        "GetBills" => json!({"1001": {"3": {"good_name": "book", "good_title": "Book"}}}),
        "getOrderDetails" | "GetOrderInfo" => json!({"id": "1001", "email": "a@b.ru",
            "items": [{"id": "book", "title": "Book", "sum": "990.00", "price": 990,
            "partners": []}], "utm": [], "is_recurrent": "0"}),
        "getOrdersWithGoods" | "GetOrders" => json!([{"id": 1001, "price": "990.00"}]),
        "GetAllGoods" => json!([{"good_id": "3", "good_name": "book", "good_title": "Book",
            "good_sum": "3900.00", "good_type": ""}]),
        "GetPartnerStats" => json!({"earned_total": "100.50", "topay_total": 0,
            "clicks_total": "7", "leads_total": 2, "bills_total": "1", "partners_total": "0"}),
        "getalllists" => {
            json!([{"id": "1", "rass_id": 1, "rass_name": "super", "rass_title": "S"}])
        }
        "getgoods" => json!([{"id": 1, "good_name": "book", "good_title": "Book"}]),
        "getcoupons" => json!([{"id": 1, "coupon": "WELCOME"}]),
        "getpersonalmanagers" => json!([{"id": 1, "manager_id": "9", "manager_name": "Anna"}]),
        _ => return None,
    })
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            let method = req
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let text = if method.chars().all(|c| c.is_ascii_lowercase()) {
                "OK"
            } else {
                "ok"
            };
            ResponseTemplate::new(200).set_body_json(signed(0, text, result_for(&method)))
        })
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder(LOGIN, SECRET)
        .base_url(format!("{}/api/", server.uri()))
        .build()
        .expect("client builds")
}

/// The last request: POST /api/<method>, a form body of exactly `body`.
async fn assert_wire(server: &MockServer, wire: &str, body: &str) {
    let requests = server.received_requests().await.expect("recording");
    let last = requests.last().expect("a request was sent");
    assert_eq!(last.method.as_str(), "POST");
    assert_eq!(last.url.path(), format!("/api/{wire}"));
    assert_eq!(last.url.query(), None, "nothing in the URL");
    assert_eq!(
        last.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        last.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(String::from_utf8_lossy(&last.body), body, "{wire}");
}

fn v1(q: &str, hash: &str) -> String {
    if q.is_empty() {
        format!("hash={hash}")
    } else {
        format!("{q}&hash={hash}")
    }
}

#[tokio::test]
async fn every_api_1_method_on_the_wire() {
    let s = server().await;
    let c = client(&s);

    // Worked example B of the facts file.
    let r = c
        .add_lead_to_group(
            AddLeadToGroup::new(["super", "clients_2"], "lead@email.com")
                .lead_name("Name")
                .doneurl2("https://example.com/thanks?a=1&b=2")
                .activation(true)
                .utm(Utm::new().utm_source("direct").utm_campaign("My Campaign")),
        )
        .await
        .expect("call");
    assert_eq!(r.outcome, SubscribeOutcome::Subscribed);
    assert_wire(&s, "AddLeadToGroup", &v1("rid%5B0%5D=super&rid%5B1%5D=clients_2&lead_email=lead%40email.com&lead_name=Name&doneurl2=https%3A%2F%2Fexample.com%2Fthanks%3Fa%3D1%26b%3D2&activation=1&utm%5Butm_source%5D=direct&utm%5Butm_campaign%5D=My+Campaign", "7594249d3a2bcad8a4ea2253889de169")).await;

    // Worked example A.
    c.update_subscriber_data(
        UpdateSubscriberData::new("ivan.petrov+test@example.com")
            .lead_name("Иван Петров")
            .lead_phone("+7 (999) 123-45-67")
            .lead_city("Москва")
            .lead_tags("vip,webinar 2024"),
    )
    .await
    .expect("call");
    assert_wire(&s, "UpdateSubscriberData", &v1("lead_email=ivan.petrov%2Btest%40example.com&lead_name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&lead_phone=%2B7+%28999%29+123-45-67&lead_city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&lead_tags=vip%2Cwebinar+2024", "854b607f9d9ca2b8726e7217c8316163")).await;

    c.delete_subscribe(DeleteSubscribe::new("lead@email.com", "super"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "DeleteSubscribe",
        &v1(
            "lead_email=lead%40email.com&rass_name=super",
            "d199acb88d277cc1df8622f1ab2ef9ea",
        ),
    )
    .await;

    // Worked example D.
    let groups = c.get_all_groups(GetAllGroups::new()).await.expect("call");
    assert_eq!(groups[0].rass_name, "super");
    assert_wire(&s, "GetAllGroups", "hash=127d500b1070dbce6aa9f9d760b35e3f").await;

    c.get_lead_groups(GetLeadGroups::new("lead@email.com"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "GetLeadGroups",
        &v1("email=lead%40email.com", "68f565da15df9e4db49e10e47fafa5a3"),
    )
    .await;

    let st = c
        .get_lead_group_statuses(GetLeadGroupStatuses::new("lead@email.com"))
        .await
        .expect("call");
    assert_eq!(
        st[0].subscription_time.as_deref(),
        Some("2024-01-01 10:00:00")
    );
    assert_wire(
        &s,
        "GetLeadGroupStatuses",
        &v1("email=lead%40email.com", "68f565da15df9e4db49e10e47fafa5a3"),
    )
    .await;

    let n = c
        .get_count_subscribe(GetCountSubscribe::new("unique"))
        .await
        .expect("call");
    assert_eq!(n.count, 12);
    assert_wire(
        &s,
        "GetCountSubscribe",
        &v1("group_name=unique", "3d95f9bbb92936b5938ecc22c1cc7e77"),
    )
    .await;

    // Worked example C.
    let order = c
        .create_order(
            CreateOrder::new(
                [Good::new("invoice").sum(1500), Good::new("sales")],
                "user4@email.com",
            )
            .bill_first_name("Name")
            .bill_timer_kill(false)
            .bill_created(1291001819),
        )
        .await
        .expect("call");
    assert_eq!(order.bill_id, "1001");
    assert_wire(&s, "CreateOrder", &v1("goods%5B0%5D%5Bgood_name%5D=invoice&goods%5B0%5D%5Bgood_sum%5D=1500&goods%5B1%5D%5Bgood_name%5D=sales&bill_email=user4%40email.com&bill_first_name=Name&bill_timer_kill=0&bill_created=1291001819", "e7559e0ce8136b3de7428bef3f909218")).await;

    c.create_order(
        CreateOrder::new([Good::new("book").sum(1500.5)], "a@b.ru")
            .bill_surname("Петров")
            .bill_otchestvo("Иванович")
            .bill_country("RU")
            .bill_city("Москва")
            .bill_address("ул. Ленина, 1")
            .bill_kupon("SALE")
            .bill_domain("shop.example.com")
            .utm(Utm::new().partner("partner1")),
    )
    .await
    .expect("call");
    assert_wire(&s, "CreateOrder", &v1("goods%5B0%5D%5Bgood_name%5D=book&goods%5B0%5D%5Bgood_sum%5D=1500.5&bill_email=a%40b.ru&bill_surname=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&bill_otchestvo=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B8%D1%87&bill_country=RU&bill_city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&bill_address=%D1%83%D0%BB.+%D0%9B%D0%B5%D0%BD%D0%B8%D0%BD%D0%B0%2C+1&bill_kupon=SALE&bill_domain=shop.example.com&utm%5Butm_medium%5D=affiliate&utm%5Butm_source%5D=partner1", "71ce84c4e1e6389907548c55132183bd")).await;

    c.update_order_status(
        UpdateOrderStatus::new("1001", OrderStatus::Sent)
            .date(1700000000)
            .rpo("RA123456789RU"),
    )
    .await
    .expect("call");
    assert_wire(
        &s,
        "UpdateOrderStatus",
        &v1(
            "bill_id=1001&status=sent&date=1700000000&rpo=RA123456789RU",
            "37e694ba5ccdd8e807417c77f500679c",
        ),
    )
    .await;

    c.delete_order(DeleteOrder::new(1001_i64))
        .await
        .expect("call");
    assert_wire(
        &s,
        "DeleteOrder",
        &v1("bill_id=1001", "7ac74eb57df96856f3147952e23c3be8"),
    )
    .await;

    let bills = c
        .get_bills(GetBills::new("a@b.ru").pay_status(PayStatus::Waiting))
        .await
        .expect("call");
    assert_eq!(
        (
            bills[0].bill_id.as_str(),
            bills[0].goods[0].good_id.as_str()
        ),
        ("1001", "3")
    );
    assert_wire(
        &s,
        "GetBills",
        &v1(
            "email=a%40b.ru&pay_status=waiting",
            "3d58f111e956c7df3ead0941a93e5447",
        ),
    )
    .await;

    let details = c
        .get_order_details(GetOrderDetails::new("1001").good_info(true))
        .await
        .expect("call")
        .expect("found");
    assert_eq!(details.items[0].sum, Some(990.0));
    assert_eq!(details.utm, None, "an empty utm array is no utm");
    assert_eq!(details.is_recurrent, Some(false));
    assert_wire(
        &s,
        "getOrderDetails",
        &v1(
            "bill_id=1001&good_info=1",
            "ecda721107f20e01c67951ce4b964edb",
        ),
    )
    .await;

    c.get_order_info(GetOrderInfo::new("1001"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "GetOrderInfo",
        &v1("bill_id=1001", "7ac74eb57df96856f3147952e23c3be8"),
    )
    .await;

    let d = |x| Date::parse(x).expect("date");
    let orders = c
        .get_orders_with_goods(
            GetOrdersWithGoods::new()
                .begin_date(d("01.01.2017"))
                .end_date(d("31.01.2017"))
                .paid(PaidOnly)
                .goods(vec![1, 2, 3]),
        )
        .await
        .expect("call");
    assert_eq!(orders[0].id.as_deref(), Some("1001"));
    assert_eq!(orders[0].price, Some(990.0));
    assert_wire(&s, "getOrdersWithGoods", &v1("begin_date=01.01.2017&end_date=31.01.2017&paid=true&goods%5B0%5D=1&goods%5B1%5D=2&goods%5B2%5D=3", "fa39ad07f7879d1eecc91322987ba4b9")).await;

    c.get_orders(
        GetOrders::new()
            .date_s(1483228800)
            .date_e(1485907200)
            .paid(PaidOnly),
    )
    .await
    .expect("call");
    assert_wire(
        &s,
        "GetOrders",
        &v1(
            "date_s=1483228800&date_e=1485907200&paid=true",
            "2e68717535bce8b88f386da95d868454",
        ),
    )
    .await;

    let goods = c.get_all_goods(GetAllGoods::new()).await.expect("call");
    assert_eq!(
        (goods[0].good_id, goods[0].good_sum.as_deref()),
        (Some(3), Some("3900.00"))
    );
    assert_wire(&s, "GetAllGoods", "hash=127d500b1070dbce6aa9f9d760b35e3f").await;

    c.add_good(
        AddGood::new("course", 0, "Курс", "1990.00")
            .good_client_rassilki("super,clients_2")
            .good_partner_sl_link("https://example.com/sl")
            .good_publish(true),
    )
    .await
    .expect("call");
    assert_wire(&s, "AddGood", &v1("good_name=course&good_type=0&good_title=%D0%9A%D1%83%D1%80%D1%81&good_sum=1990.00&good_client_rassilki=super%2Cclients_2&good_partner_SL_link=https%3A%2F%2Fexample.com%2Fsl&good_publish=1", "5dfa5483f1577de9cbfbf29d5305321e")).await;

    c.update_good(UpdateGood::new("course", 2000).good_timer(false))
        .await
        .expect("call");
    assert_wire(
        &s,
        "UpdateGood",
        &v1(
            "good_name=course&good_sum=2000&good_timer=0",
            "0edb7b571abe23f92780872159456886",
        ),
    )
    .await;

    c.delete_good(DeleteGood::new("course"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "DeleteGood",
        &v1("good_name=course", "bd936dfcd88c121d13bb42058d1e4c93"),
    )
    .await;

    let stats = c
        .get_partner_stats(
            GetPartnerStats::new("partner1")
                .date_from(IsoDate(d("2024-01-01")))
                .date_to(IsoDate(d("2024-12-31"))),
        )
        .await
        .expect("call");
    assert_eq!(
        (stats.earned_total, stats.clicks_total),
        (Some(100.5), Some(7))
    );
    assert_wire(
        &s,
        "GetPartnerStats",
        &v1(
            "partner=partner1&date_from=2024-01-01&date_to=2024-12-31",
            "6ddf5f223bd1c4f7c81482b444d56f7c",
        ),
    )
    .await;

    // Extra params go after the documented ones, signed too.
    c.add_lead_to_group(
        AddLeadToGroup::new("super", "lead@email.com")
            .aff("partner1")
            .param("lead_extra", "x y"),
    )
    .await
    .expect("call");
    assert_wire(
        &s,
        "AddLeadToGroup",
        &v1(
            "rid%5B0%5D=super&lead_email=lead%40email.com&aff=partner1&lead_extra=x+y",
            "2925cef83e0d2dd156755915ae6994a3",
        ),
    )
    .await;

    assert_eq!(s.received_requests().await.map(|r| r.len()), Some(22));
}

#[tokio::test]
async fn every_api_2_method_on_the_wire() {
    let s = server().await;
    let c = client(&s);
    let key = format!("rpsKey={SECRET}");
    c.v2_add_update_lead(
        V2AddUpdateLead::new("a@b.ru")
            .add_to_lists("super,clients_2")
            .add_tags("vip")
            .lead_first_name("Анна")
            .lead_telegram("@anna"),
    )
    .await
    .expect("call");
    assert_wire(&s, "addupdatelead", &format!("{key}&add_to_lists=super%2Cclients_2&add_tags=vip&lead_email=a%40b.ru&lead_first_name=%D0%90%D0%BD%D0%BD%D0%B0&lead_telegram=%40anna")).await;
    c.v2_add_tag_to_lead(V2AddTagToLead::new("a@b.ru", "x,y"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "addtagtolead",
        &format!("{key}&lead_email=a%40b.ru&add_tags=x%2Cy"),
    )
    .await;
    c.v2_remove_tag_from_lead(V2RemoveTagFromLead::new("a@b.ru", "x"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "removetagfromlead",
        &format!("{key}&lead_email=a%40b.ru&remove_tags=x"),
    )
    .await;
    c.v2_remove_lead_from_list(V2RemoveLeadFromList::new("a@b.ru", "super"))
        .await
        .expect("call");
    assert_wire(
        &s,
        "removeleadfromlist",
        &format!("{key}&lead_email=a%40b.ru&remove_from_lists=super"),
    )
    .await;
    let lists = c
        .v2_get_all_lists(V2GetAllLists::new())
        .await
        .expect("call");
    assert_eq!(lists[0].rass_id.as_deref(), Some("1"));
    assert_wire(&s, "getalllists", &key).await;
    assert_eq!(
        c.v2_get_goods(V2GetGoods::new()).await.expect("call")[0]
            .id
            .as_deref(),
        Some("1")
    );
    assert_wire(&s, "getgoods", &key).await;
    assert_eq!(
        c.v2_get_coupons(V2GetCoupons::new()).await.expect("call")[0].coupon,
        "WELCOME"
    );
    assert_wire(&s, "getcoupons", &key).await;
    let m = c
        .v2_get_personal_managers(V2GetPersonalManagers::new())
        .await
        .expect("call");
    assert_eq!(m[0].manager_name, "Anna");
    assert_wire(&s, "getpersonalmanagers", &key).await;
    let r = c
        .v2_create_order(
            V2CreateOrder::new("book,course")
                .customer_email("a@b.ru")
                .product_prices("100,200")
                .order_status("Paid")
                .order_created_at("30.01.2020 04:22:16"),
        )
        .await
        .expect("call");
    assert_eq!(r.text, "OK");
    assert_wire(&s, "createorder", &format!("{key}&customer_email=a%40b.ru&order_created_at=30.01.2020+04%3A22%3A16&order_status=Paid&product_names=book%2Ccourse&product_prices=100%2C200")).await;
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let s = server().await;
    let c = client(&s);
    let field = |e: Error| match e {
        Error::InvalidInput(i) => i.field.into_owned(),
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    let e = c
        .create_order(CreateOrder::new(Vec::<Good>::new(), "a@b.ru"))
        .await
        .expect_err("no goods");
    assert_eq!(field(e), "goods");
    let e = c
        .add_lead_to_group(AddLeadToGroup::new(Vec::<String>::new(), "a@b.ru"))
        .await
        .expect_err("no groups");
    assert_eq!(field(e), "rid");
    let e = c
        .add_lead_to_group(AddLeadToGroup::new("super", ""))
        .await
        .expect_err("no email");
    assert_eq!(field(e), "lead_email");
    let e = c
        .update_subscriber_data(UpdateSubscriberData::new("not an email"))
        .await
        .expect_err("bad email");
    assert_eq!(field(e), "lead_email");
    let e = c
        .update_order_status(UpdateOrderStatus::new("1", OrderStatus::Sent).date(1))
        .await
        .expect_err("sent without rpo");
    assert_eq!(field(e), "rpo");
    let e = c
        .update_order_status(UpdateOrderStatus::new("1", OrderStatus::Paid))
        .await
        .expect_err("paid without date");
    assert_eq!(field(e), "date");
    let e = c
        .update_order_status(UpdateOrderStatus::new("1", OrderStatus::Sent).rpo("RA1"))
        .await
        .expect_err("sent without date");
    assert_eq!(field(e), "date");
    let e = c
        .delete_order(DeleteOrder::new(""))
        .await
        .expect_err("empty id");
    assert_eq!(field(e), "bill_id");
    let e = c
        .add_good(AddGood::new("x", 0, "X", "12,5"))
        .await
        .expect_err("bad price");
    assert_eq!(field(e), "good_sum");
    let e = c
        .v2_create_order(V2CreateOrder::new(" "))
        .await
        .expect_err("no products");
    assert_eq!(field(e), "product_names");
    let d = |x| Date::parse(x).expect("date");
    let e = c
        .get_orders_with_goods(
            GetOrdersWithGoods::new()
                .begin_date(d("02.01.2020"))
                .end_date(d("01.01.2020")),
        )
        .await
        .expect_err("reversed");
    assert_eq!(field(e), "begin_date");
    let e = c
        .raw(RawRequest::new("GetAllGroups").param("hash", "x"))
        .await
        .expect_err("hash is the client's");
    assert_eq!(field(e), "hash");
    let e = c
        .get_all_groups(GetAllGroups::new().param("hash", "x"))
        .await
        .expect_err("hash is the client's, in typed requests too");
    assert_eq!(field(e), "hash");
    let e = c
        .v2_get_goods(V2GetGoods::new().param("rpsKey", "x"))
        .await
        .expect_err("rpsKey is the client's");
    assert_eq!(field(e), "rpsKey");
    let e = c
        .update_subscriber_data(UpdateSubscriberData::new("a@b.ru").param("lead_email", "c@d.ru"))
        .await
        .expect_err("a param sent twice would lose a value");
    assert_eq!(field(e), "lead_email");
    let e = c
        .add_lead_to_group(AddLeadToGroup::new("super", "a@b.ru").param("utm.source", "x"))
        .await
        .expect_err("PHP renames `utm.source` to `utm_source`");
    assert_eq!(field(e), "utm.source");
    let e = c
        .add_good(AddGood::new("x", 2, "X", "1"))
        .await
        .expect_err("good_type is 0 or 1");
    assert_eq!(field(e), "good_type");
    let e = c
        .add_good(AddGood::new("x", 0, " ", "1"))
        .await
        .expect_err("empty title");
    assert_eq!(field(e), "good_title");
    let e = c
        .update_good(UpdateGood::new("x", 1).good_type(-1))
        .await
        .expect_err("good_type is 0 or 1");
    assert_eq!(field(e), "good_type");
    let e = c
        .v2_add_tag_to_lead(V2AddTagToLead::new("a@b.ru", ""))
        .await
        .expect_err("no tags");
    assert_eq!(field(e), "add_tags");
    let e = c
        .v2_remove_tag_from_lead(V2RemoveTagFromLead::new("a@b.ru", " "))
        .await
        .expect_err("no tags");
    assert_eq!(field(e), "remove_tags");
    let e = c
        .v2_remove_lead_from_list(V2RemoveLeadFromList::new("a@b.ru", ""))
        .await
        .expect_err("no groups");
    assert_eq!(field(e), "remove_from_lists");
    let e = c
        .v2_create_order(V2CreateOrder::new(" , "))
        .await
        .expect_err("no product among the commas");
    assert_eq!(field(e), "product_names");
    let e = c
        .get_lead_group_statuses(GetLeadGroupStatuses::new("a @b.ru"))
        .await
        .expect_err("spaces");
    assert_eq!(field(e), "email");
    let e = c
        .delete_subscribe(DeleteSubscribe::new("a@b.ru", "  "))
        .await
        .expect_err("no group");
    assert_eq!(field(e), "rass_name");
    let e = c
        .create_order(CreateOrder::new([Good::new("book").sum(-5)], "a@b.ru"))
        .await
        .expect_err("negative price override");
    assert_eq!(field(e), "goods");
    assert_eq!(s.received_requests().await.map(|r| r.len()), Some(0));
}

async fn answering(body: Value, status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn codes_that_are_answers_and_codes_that_are_errors() {
    let s = answering(
        signed(
            601,
            "order already exist. his number send in result array.",
            Some(json!({"bill_id": 77})),
        ),
        200,
    )
    .await;
    let r = client(&s)
        .create_order(CreateOrder::new("book", "a@b.ru"))
        .await
        .expect("601 is an answer");
    assert_eq!((r.bill_id.as_str(), r.already_existed), ("77", true));

    let s = answering(
        signed(102, "the subscriber is already registered", None),
        200,
    )
    .await;
    let r = client(&s)
        .add_lead_to_group(AddLeadToGroup::new("super", "a@b.ru"))
        .await
        .expect("102 is an answer");
    assert_eq!(r.outcome, SubscribeOutcome::AlreadySubscribed);
    // ... but not for other methods.
    let e = client(&s)
        .update_subscriber_data(UpdateSubscriberData::new("a@b.ru"))
        .await
        .expect_err("102 elsewhere is an error");
    assert!(e.service().is_some_and(ApiError::is_already_subscribed));

    let s = answering(signed(400, "order not found", None), 200).await;
    let c = client(&s);
    assert_eq!(
        c.get_order_details(GetOrderDetails::new("5"))
            .await
            .expect("None"),
        None
    );
    assert!(
        c.get_bills(GetBills::new("a@b.ru"))
            .await
            .expect("empty")
            .is_empty()
    );

    let s = answering(signed(700, "no products", None), 200).await;
    assert!(
        client(&s)
            .get_all_goods(GetAllGoods::new())
            .await
            .expect("empty")
            .is_empty()
    );

    for (code, variant) in [
        (1, ApiErrorCode::HashMissing),
        (2, ApiErrorCode::NoData),
        (4, ApiErrorCode::IncorrectHash),
        (6, ApiErrorCode::IpDenied),
        (8, ApiErrorCode::RequestLimit),
        (201, ApiErrorCode::WrongStatus),
        (603, ApiErrorCode::ProductsMissing),
        (999, ApiErrorCode::Other(999)),
    ] {
        let s = answering(signed(code, "something", Some(json!({"x": 1}))), 200).await;
        let e = client(&s)
            .get_all_groups(GetAllGroups::new())
            .await
            .expect_err("error");
        match &e {
            Error::Service(ApiError::Api {
                code: c,
                text,
                method,
                result,
            }) => {
                assert_eq!(
                    (c, text.as_str(), method.as_ref()),
                    (&variant, "something", "GetAllGroups")
                );
                assert_eq!(result.as_deref(), Some(r#"{"x":1}"#));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.is_retryable(), code == 8);
        assert!(e.to_string().contains(&code.to_string()));
    }
}

#[tokio::test]
async fn response_signatures() {
    // A forged answer (hash for another text): refused before anything in it is used.
    let mut forged = signed(0, "ok", Some(json!({"bill_id": "1"})));
    forged["error_text"] = json!("ok!");
    let s = answering(forged, 200).await;
    let e = client(&s)
        .create_order(CreateOrder::new("book", "a@b.ru"))
        .await
        .expect_err("forged");
    assert!(matches!(
        e,
        Error::Service(ApiError::Signature {
            reason: SignatureError::Mismatch,
            ..
        })
    ));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(SECRET), "{shown}");

    // No hash at all.
    let s = answering(json!({"error_code": 0, "error_text": "ok"}), 200).await;
    let e = client(&s)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("unsigned");
    assert!(matches!(
        e,
        Error::Service(ApiError::Signature {
            reason: SignatureError::Missing,
            ..
        })
    ));
    // The explicit opt-out accepts it.
    let unchecked = Client::builder(LOGIN, SECRET)
        .base_url(format!("{}/api/", s.uri()))
        .verify_response_hash(false)
        .build()
        .expect("client");
    assert!(!unchecked.verifies_response_hash());
    assert!(
        unchecked
            .get_all_groups(GetAllGroups::new())
            .await
            .expect("ok")
            .is_empty()
    );

    // error_code as a string, uppercase hex: both still verify.
    let mut v = signed(0, "ok", Some(json!("5")));
    v["error_code"] = json!("0");
    v["hash"] = json!(v["hash"].as_str().map(str::to_ascii_uppercase));
    let s = answering(v, 200).await;
    assert_eq!(
        client(&s)
            .get_count_subscribe(GetCountSubscribe::new("all"))
            .await
            .expect("ok")
            .count,
        5
    );
}

#[tokio::test]
async fn bodies_that_are_not_envelopes() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let e = client(&server)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("html");
    assert!(matches!(e, Error::Decode(_)), "{e:?}");

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(403).set_body_string("forbidden"))
        .mount(&server)
        .await;
    let e = client(&server)
        .create_order(CreateOrder::new("book", "a@b.ru"))
        .await
        .expect_err("403");
    assert!(
        matches!(e, Error::Status(StatusError::Http { status: 403, .. })),
        "{e:?}"
    );

    // A result of the wrong shape is a decode error naming the method.
    let s = answering(signed(0, "ok", Some(json!("not a list"))), 200).await;
    let e = client(&s)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("shape");
    assert!(e.to_string().contains("GetAllGroups"), "{e}");
}

#[tokio::test]
async fn secrets_are_scrubbed_from_errors() {
    let text = format!("bad key {SECRET}");
    let s = answering(signed(4, &text, Some(json!({"echo": SECRET}))), 200).await;
    let e = client(&s)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("4");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("[redacted]"));
    let c = client(&s);
    assert!(!format!("{c:?}").contains(SECRET));
}

/// Against a server that answers 503 to everything: every call that creates or changes
/// something in a way that is not safe twice is sent exactly once; every read and idempotent
/// write is retried up to the budget (3 attempts). All 29 methods.
#[tokio::test]
async fn nothing_that_creates_is_sent_twice() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder(LOGIN, SECRET)
        .base_url(format!("{}/api/", server.uri()))
        .options(
            ClientOptions::default()
                .clock(clock.clone() as Arc<dyn th_core::Clock>)
                .retry(RetryPolicy {
                    max_attempts: 3,
                    ..RetryPolicy::default()
                }),
        )
        .build()
        .expect("client");
    let d = |x| Date::parse(x).expect("date");
    macro_rules! attempts {
        ($call:expr) => {{
            let before = server.received_requests().await.map_or(0, |r| r.len());
            let e = $call.await.expect_err("503");
            assert!(
                matches!(e, Error::Status(StatusError::Http { status: 503, .. })),
                "{e:?}"
            );
            server.received_requests().await.map_or(0, |r| r.len()) - before
        }};
    }
    let once = [
        (
            "AddLeadToGroup",
            attempts!(c.add_lead_to_group(AddLeadToGroup::new("super", "a@b.ru"))),
        ),
        (
            "DeleteSubscribe",
            attempts!(c.delete_subscribe(DeleteSubscribe::new("a@b.ru", "super"))),
        ),
        (
            "CreateOrder",
            attempts!(c.create_order(CreateOrder::new("book", "a@b.ru"))),
        ),
        (
            "UpdateOrderStatus",
            attempts!(c.update_order_status(UpdateOrderStatus::new("1", OrderStatus::Cancel))),
        ),
        (
            "DeleteOrder",
            attempts!(c.delete_order(DeleteOrder::new("1"))),
        ),
        (
            "AddGood",
            attempts!(c.add_good(AddGood::new("x", 0, "X", "1"))),
        ),
        ("DeleteGood", attempts!(c.delete_good(DeleteGood::new("x")))),
        (
            "addupdatelead",
            attempts!(c.v2_add_update_lead(V2AddUpdateLead::new("a@b.ru"))),
        ),
        (
            "createorder",
            attempts!(c.v2_create_order(V2CreateOrder::new("book"))),
        ),
        (
            "raw (not idempotent unless said)",
            attempts!(c.raw(RawRequest::new("GetAllGroups"))),
        ),
    ];
    for (method, n) in once {
        assert_eq!(n, 1, "{method} must not be retried");
    }
    let retried = [
        (
            "UpdateSubscriberData",
            attempts!(c.update_subscriber_data(UpdateSubscriberData::new("a@b.ru"))),
        ),
        (
            "GetAllGroups",
            attempts!(c.get_all_groups(GetAllGroups::new())),
        ),
        (
            "GetLeadGroups",
            attempts!(c.get_lead_groups(GetLeadGroups::new("a@b.ru"))),
        ),
        (
            "GetLeadGroupStatuses",
            attempts!(c.get_lead_group_statuses(GetLeadGroupStatuses::new("a@b.ru"))),
        ),
        (
            "GetCountSubscribe",
            attempts!(c.get_count_subscribe(GetCountSubscribe::new("all"))),
        ),
        ("GetBills", attempts!(c.get_bills(GetBills::new("a@b.ru")))),
        (
            "getOrderDetails",
            attempts!(c.get_order_details(GetOrderDetails::new("1"))),
        ),
        (
            "GetOrderInfo",
            attempts!(c.get_order_info(GetOrderInfo::new("1"))),
        ),
        (
            "getOrdersWithGoods",
            attempts!(c.get_orders_with_goods(GetOrdersWithGoods::new())),
        ),
        (
            "orders_with_goods_between",
            attempts!(c.orders_with_goods_between(
                d("01.01.2024"),
                d("31.03.2024"),
                GetOrdersWithGoods::new()
            )),
        ),
        ("GetOrders", attempts!(c.get_orders(GetOrders::new()))),
        (
            "GetAllGoods",
            attempts!(c.get_all_goods(GetAllGoods::new())),
        ),
        (
            "UpdateGood",
            attempts!(c.update_good(UpdateGood::new("x", 1))),
        ),
        (
            "GetPartnerStats",
            attempts!(c.get_partner_stats(GetPartnerStats::new("p"))),
        ),
        (
            "addtagtolead",
            attempts!(c.v2_add_tag_to_lead(V2AddTagToLead::new("a@b.ru", "t"))),
        ),
        (
            "removetagfromlead",
            attempts!(c.v2_remove_tag_from_lead(V2RemoveTagFromLead::new("a@b.ru", "t"))),
        ),
        (
            "removeleadfromlist",
            attempts!(c.v2_remove_lead_from_list(V2RemoveLeadFromList::new("a@b.ru", "g"))),
        ),
        (
            "getalllists",
            attempts!(c.v2_get_all_lists(V2GetAllLists::new())),
        ),
        ("getgoods", attempts!(c.v2_get_goods(V2GetGoods::new()))),
        (
            "getcoupons",
            attempts!(c.v2_get_coupons(V2GetCoupons::new())),
        ),
        (
            "getpersonalmanagers",
            attempts!(c.v2_get_personal_managers(V2GetPersonalManagers::new())),
        ),
        (
            "raw, marked idempotent",
            attempts!(c.raw(RawRequest::new("GetAllGroups").idempotent(true))),
        ),
    ];
    for (method, n) in retried {
        assert_eq!(n, 3, "{method} is retried to the budget");
    }
    assert_eq!(once.len() - 1 + retried.len() - 2, 29, "every method once");
}

#[tokio::test]
async fn retries_only_what_is_safe() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new());
    let c = Client::builder(LOGIN, SECRET)
        .base_url(format!("{}/api/", server.uri()))
        .options(
            ClientOptions::default()
                .clock(clock.clone() as Arc<dyn th_core::Clock>)
                .retry(RetryPolicy {
                    max_attempts: 3,
                    ..RetryPolicy::default()
                }),
        )
        .build()
        .expect("client");
    let e = c
        .create_order(CreateOrder::new("book", "a@b.ru"))
        .await
        .expect_err("503");
    assert!(e.is_retryable());
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        Some(1),
        "CreateOrder is not retried"
    );
    c.get_all_groups(GetAllGroups::new())
        .await
        .expect_err("503");
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        Some(4),
        "reads are retried"
    );
    assert!(clock.slept() > Duration::ZERO);
}

/// How many requests `server` has received.
async fn sent(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// JustClick answers its request limit (code 8) in a signed HTTP 200. An idempotent read so
/// answered is retried after a backoff on the injected clock and gets the next answer; a call that
/// creates something is sent once and fails with the service's own code; a read that meets the
/// limit on every attempt ends, after the budget, in the same typed error, the last answer's
/// signature checked as ever.
#[tokio::test]
async fn the_request_limit_in_a_200_is_retried_when_safe() {
    let limit = || ResponseTemplate::new(200).set_body_json(signed(8, "request limit", None));
    let clock = Arc::new(ManualClock::new());
    let client_with = |server: &MockServer| {
        Client::builder(LOGIN, SECRET)
            .base_url(format!("{}/api/", server.uri()))
            .options(
                ClientOptions::default()
                    .clock(clock.clone() as Arc<dyn th_core::Clock>)
                    .retry(RetryPolicy {
                        max_attempts: 3,
                        ..RetryPolicy::default()
                    }),
            )
            .build()
            .expect("client")
    };
    // A read: code 8, then success.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(limit())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(signed(
            0,
            "ok",
            result_for("GetAllGroups"),
        )))
        .mount(&server)
        .await;
    let groups = client_with(&server)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect("retried to success");
    assert_eq!(groups.len(), 1);
    assert_eq!(sent(&server).await, 2, "sent again after the limit");
    assert_eq!(
        clock.sleeps().len(),
        1,
        "one backoff, on the injected clock"
    );
    assert!(clock.slept() <= RetryPolicy::default().base_delay);

    // Calls that create something: sent once, the service's own error.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(limit())
        .mount(&server)
        .await;
    let c = client_with(&server);
    let e = c
        .add_lead_to_group(AddLeadToGroup::new("super", "a@b.ru"))
        .await
        .expect_err("code 8");
    assert!(
        matches!(
            &e,
            Error::Service(ApiError::Api {
                code: ApiErrorCode::RequestLimit,
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(sent(&server).await, 1, "AddLeadToGroup is not sent twice");
    let e = c
        .create_order(CreateOrder::new("book", "a@b.ru"))
        .await
        .expect_err("code 8");
    assert!(
        matches!(
            &e,
            Error::Service(ApiError::Api {
                code: ApiErrorCode::RequestLimit,
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(sent(&server).await, 2, "CreateOrder is not sent twice");
    assert_eq!(clock.sleeps().len(), 1, "no backoff for either");

    // A read that meets the limit every time: the budget, then the typed error.
    let e = c
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("code 8 to the end");
    assert!(
        matches!(
            &e,
            Error::Service(ApiError::Api {
                code: ApiErrorCode::RequestLimit,
                ..
            })
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!(sent(&server).await, 2 + 3, "three attempts");
    assert_eq!(clock.sleeps().len(), 1 + 2);

    // A forged code 8 (its hash for another text) is retried like any code 8, and the last one
    // is still refused for its signature.
    let server = MockServer::start().await;
    let mut forged = signed(8, "request limit", None);
    forged["error_text"] = json!("request limit!");
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(forged))
        .mount(&server)
        .await;
    let e = client_with(&server)
        .get_all_groups(GetAllGroups::new())
        .await
        .expect_err("forged");
    assert!(
        matches!(
            &e,
            Error::Service(ApiError::Signature {
                reason: SignatureError::Mismatch,
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(sent(&server).await, 3);
}

#[tokio::test]
async fn long_ranges_are_split_into_month_windows() {
    let s = server().await;
    let c = client(&s);
    let d = |x| Date::parse(x).expect("date");
    let orders = c
        .orders_with_goods_between(
            d("15.01.2024"),
            d("20.03.2024"),
            GetOrdersWithGoods::new().paid(PaidOnly),
        )
        .await
        .expect("orders");
    assert_eq!(
        orders.len(),
        1,
        "the same order in every window is kept once"
    );
    let bodies: Vec<String> = s
        .received_requests()
        .await
        .expect("recording")
        .iter()
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            body.split("&hash=").next().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(
        bodies,
        [
            "begin_date=15.01.2024&end_date=14.02.2024&paid=true",
            "begin_date=15.02.2024&end_date=14.03.2024&paid=true",
            "begin_date=15.03.2024&end_date=20.03.2024&paid=true",
        ]
    );
}

#[tokio::test]
async fn raw_calls_sign_like_typed_ones() {
    let s = server().await;
    let c = client(&s);
    let env = c
        .raw(
            RawRequest::new("UpdateSubscriberData")
                .param("lead_email", "ivan.petrov+test@example.com")
                .param("lead_name", "Иван Петров")
                .param("lead_phone", "+7 (999) 123-45-67")
                .param("lead_city", "Москва")
                .param("lead_tags", "vip,webinar 2024"),
        )
        .await
        .expect("raw");
    assert_eq!((env.code, env.text.as_str()), (0, "ok"));
    assert_wire(&s, "UpdateSubscriberData", &v1("lead_email=ivan.petrov%2Btest%40example.com&lead_name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&lead_phone=%2B7+%28999%29+123-45-67&lead_city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&lead_tags=vip%2Cwebinar+2024", "854b607f9d9ca2b8726e7217c8316163")).await;
    c.raw(RawRequest::new("getcoupons")).await.expect("raw v2");
    assert_wire(&s, "getcoupons", &format!("rpsKey={SECRET}")).await;
}

/// The rules across params (`[[method.check]]` in `spec/api.toml`, rendered into the generated
/// `validate()`) refuse with the field and the message the hand-written checks used, and let
/// the valid combinations through.
#[test]
fn spec_checks_refuse_with_their_field_and_message() {
    let c = Client::new("username", "0123456789abcdef0123456789abcdef01234567").expect("client");
    let refused = |r: Result<th_core::HttpRequest, Error>| match r {
        Err(Error::InvalidInput(i)) => (i.field.into_owned(), i.reason.into_owned()),
        other => panic!("expected InvalidInput, got {other:?}"),
    };
    let pair = |f: &str, m: &str| (f.to_owned(), m.to_owned());
    let status = |s| UpdateOrderStatus::new("100000", s);
    assert_eq!(
        refused(c.build_request(&status(OrderStatus::Sent).rpo("10000000000000"))),
        pair("date", "is required for status `sent`")
    );
    assert_eq!(
        refused(c.build_request(&status(OrderStatus::Sent))),
        pair("date", "is required for status `sent`")
    );
    assert_eq!(
        refused(c.build_request(&status(OrderStatus::Paid))),
        pair("date", "is required for status `paid`")
    );
    for rpo in [None, Some(" ")] {
        let mut r = status(OrderStatus::Sent).date(1_362_254_400);
        r.rpo = rpo.map(str::to_owned);
        assert_eq!(
            refused(c.build_request(&r)),
            pair(
                "rpo",
                "is required for status `sent` (the postal tracking number)"
            )
        );
    }
    for fine in [
        status(OrderStatus::Sent).date(1).rpo("1"),
        status(OrderStatus::Paid).date(1),
        status(OrderStatus::Return),
        status(OrderStatus::Cancel),
    ] {
        assert!(c.build_request(&fine).is_ok(), "{fine:?}");
    }

    let d = |x| Date::parse(x).expect("date");
    let window = |b, e| GetOrdersWithGoods::new().begin_date(d(b)).end_date(d(e));
    assert_eq!(
        refused(c.build_request(&window("02.01.2020", "01.01.2020"))),
        pair("begin_date", "must not be after end_date")
    );
    assert!(c.build_request(&window("01.01.2020", "01.01.2020")).is_ok());
    assert!(
        c.build_request(&GetOrdersWithGoods::new().begin_date(d("02.01.2020")))
            .is_ok()
    );

    let good_type = pair("good_type", "must be 1 (physical) or 0 (digital)");
    let empty = |f: &str| pair(f, "is required and must not be empty");
    assert_eq!(
        refused(c.build_request(&AddGood::new("x", 0, " ", "1"))),
        empty("good_title")
    );
    assert_eq!(
        refused(c.build_request(&AddGood::new("x", 2, "X", "1"))),
        good_type
    );
    assert!(c.build_request(&AddGood::new("x", 1, "X", "1")).is_ok());
    assert_eq!(
        refused(c.build_request(&UpdateGood::new("x", 1).good_type(-1))),
        good_type
    );
    assert!(c.build_request(&UpdateGood::new("x", 1)).is_ok());
    assert!(
        c.build_request(&UpdateGood::new("x", 1).good_type(0))
            .is_ok()
    );

    assert_eq!(
        refused(c.build_request(&V2AddTagToLead::new("a@b.ru", " "))),
        empty("add_tags")
    );
    assert_eq!(
        refused(c.build_request(&V2RemoveTagFromLead::new("a@b.ru", ""))),
        empty("remove_tags")
    );
    assert_eq!(
        refused(c.build_request(&V2RemoveLeadFromList::new("a@b.ru", "\t"))),
        empty("remove_from_lists")
    );
    assert_eq!(
        refused(c.build_request(&V2CreateOrder::new(" , "))),
        pair("product_names", "an order needs at least one product")
    );
    assert!(c.build_request(&V2CreateOrder::new(" ,book")).is_ok());
}

/// A raw call of an API 2.0 method (a fact of the spec, `MethodInfo::api_version`) carries the
/// key as `rpsKey` with no signature, as the typed call does; `api2(false)` signs it as a 1.0
/// call; an unknown name is signed. All go through the one pipeline (`ApiClient::raw`).
#[tokio::test]
async fn raw_calls_take_the_api_version_from_the_catalogue() {
    let s = server().await;
    let c = client(&s);
    c.raw(RawRequest::new("getgoods")).await.expect("call");
    assert_wire(&s, "getgoods", &format!("rpsKey={SECRET}")).await;
    c.raw(RawRequest::new("GetAllGroups")).await.expect("call");
    let requests = s.received_requests().await.expect("recording");
    let body = String::from_utf8_lossy(&requests.last().expect("sent").body).into_owned();
    assert!(body.starts_with("hash="), "1.0 is signed: {body}");
    assert!(!body.contains("rpsKey"), "{body}");
    c.raw(RawRequest::new("getgoods").api2(false))
        .await
        .expect("call");
    let requests = s.received_requests().await.expect("recording");
    let body = String::from_utf8_lossy(&requests.last().expect("sent").body).into_owned();
    assert!(
        body.starts_with("hash=") && !body.contains("rpsKey"),
        "{body}"
    );
}
