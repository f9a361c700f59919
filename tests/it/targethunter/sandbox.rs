//! TargetHunter client against the sandbox: every method in both wire formats, state checked
//! through the sandbox's inspection route; and the vendor's PHP example against the sandbox.

use http::Method;
use serde_json::{Value, json};
use targethunter_api::{
    ApiError, ApiErrorCode, BotsAddUser, BotsRemoveUser, Channel, Client, Error, GlobalVarsClear,
    GlobalVarsGet, GlobalVarsSet, RawRequest, VarsClear, VarsGet, VarsSet, WireFormat,
};
use th_core::{HttpRequest, ReqwestTransport, Transport};

const KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";
const BOT: &str = "607d97c6a01c6a25972ed95e";
const STEP: &str = "61af67fb5bc8635f3f53b18b";

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

async fn state(sandbox: &th_sandbox::SandboxHandle) -> Value {
    let url = format!("{}/_sandbox/targethunter/state", sandbox.base_url());
    let resp = ReqwestTransport::new()
        .expect("t")
        .send(HttpRequest::new(Method::GET, url))
        .await
        .expect("state");
    serde_json::from_slice(&resp.body).expect("state is JSON")
}

/// The users of the demo bot, as (uid, channel, step_id, payload) JSON.
fn users(state: &Value) -> Vec<Value> {
    let bots = state["bots"].as_array().cloned().unwrap_or_default();
    let bot = bots
        .into_iter()
        .find(|b| b["bot_id"] == BOT)
        .expect("demo bot in state");
    bot["users"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn full_scenario_in_both_wire_formats() {
    let sandbox = sandbox().await;
    for wire in [WireFormat::Json, WireFormat::Form] {
        let c = Client::builder(KEY)
            .base_url(sandbox.targethunter_url())
            .wire_format(wire)
            .build()
            .expect("client");
        let mut payload = serde_json::Map::new();
        payload.insert("text".into(), "Текст".into());
        payload.insert("nested".into(), json!({"a": ["x", "y"]}));
        let added = c
            .bots_add_user(
                BotsAddUser::new(BOT, 42, Channel::Tg)
                    .step_id(STEP)
                    .force(true)
                    .payload(payload),
            )
            .await
            .expect("added");
        assert_eq!(added.added, Some(true), "{wire:?}");
        let user = users(&state(&sandbox).await)
            .into_iter()
            .find(|u| u["uid"] == "42" || u["uid"] == 42)
            .expect("user stored");
        assert_eq!(user["channel"], "TG");
        assert_eq!(user["step_id"], STEP);
        assert_eq!(
            user["payload"],
            json!({"text": "Текст", "nested": {"a": ["x", "y"]}}),
            "{wire:?}"
        );

        let again = c
            .bots_add_user(BotsAddUser::new(BOT, 42, Channel::Tg))
            .await
            .expect("answered");
        assert_eq!(again.added, Some(false));

        c.vars_set(VarsSet::new("v1", 42, "значение & =").channel(Channel::Tg))
            .await
            .expect("set");
        let got = c
            .vars_get(VarsGet::new("v1", 42).channel(Channel::Tg))
            .await
            .expect("get");
        assert_eq!(got.value.as_deref(), Some("значение & ="));
        let other_channel = c
            .vars_get(VarsGet::new("v1", 42).channel(Channel::Vk))
            .await
            .expect("get");
        assert_eq!(other_channel.value, None, "vars are per channel");
        c.vars_clear(VarsClear::new("v1", 42).channel(Channel::Tg))
            .await
            .expect("clear");
        assert_eq!(
            c.vars_get(VarsGet::new("v1", 42).channel(Channel::Tg))
                .await
                .expect("get")
                .value,
            None
        );

        c.globalvars_set(GlobalVarsSet::new("g", "1"))
            .await
            .expect("set");
        assert_eq!(
            c.globalvars_get(GlobalVarsGet::new("g"))
                .await
                .expect("get")
                .value
                .as_deref(),
            Some("1")
        );
        c.globalvars_clear(GlobalVarsClear::new("g"))
            .await
            .expect("clear");
        assert_eq!(
            c.globalvars_get(GlobalVarsGet::new("g"))
                .await
                .expect("get")
                .value,
            None
        );

        c.bots_remove_user(BotsRemoveUser::new(BOT, 42, Channel::Tg))
            .await
            .expect("removed");
        let err = c
            .bots_remove_user(BotsRemoveUser::new(BOT, 42, Channel::Tg))
            .await
            .unwrap_err();
        assert_eq!(err.api_code(), Some(&ApiErrorCode::UserNotFound), "{err:?}");

        let raw = c
            .raw(
                RawRequest::new("globalvars/get")
                    .param("var_id", "g")
                    .idempotent(true),
            )
            .await
            .expect("raw");
        assert_eq!(raw["success"], true);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sandbox_errors_map_to_typed_codes() {
    let sandbox = sandbox().await;
    let c = Client::builder(KEY)
        .base_url(sandbox.targethunter_url())
        .build()
        .expect("client");
    let err = c
        .bots_add_user(BotsAddUser::new("65e848079de61973850c33aa", 1, Channel::Vk))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Service(ApiError::Api {
                code: ApiErrorCode::BotNotFound,
                status: 404,
                ..
            })
        ),
        "{err:?}"
    );
    let err = c
        .bots_add_user(BotsAddUser::new(BOT, 1, Channel::Vk).step_id("65e848079de61973850c33aa"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::StepNotFound), "{err:?}");
    let err = c
        .bots_add_user(BotsAddUser::new(BOT, 1, Channel::Other("FB".into())))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::InvalidParam), "{err:?}");
    let err = c.raw(RawRequest::new("bots/list")).await.unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&ApiErrorCode::MethodNotFound),
        "{err:?}"
    );
    let err = c
        .raw(RawRequest::new("vars/set").param("var_id", "x"))
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&ApiErrorCode::MissingParam), "{err:?}");

    let wrong = Client::builder("0000")
        .base_url(sandbox.targethunter_url())
        .build()
        .expect("client");
    let err = wrong
        .globalvars_get(GlobalVarsGet::new("g"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Service(ApiError::Api {
                code: ApiErrorCode::InvalidApiKey,
                status: 401,
                ..
            })
        ),
        "{err:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn vendor_php_example_gets_a_success_from_the_sandbox() {
    let Some(mut php) =
        integration_tests::php("the vendor's bots/addUser example against the sandbox")
    else {
        return;
    };
    let sandbox = sandbox().await;
    let script = integration_tests::fixture("vendor/targethunter_add_user.php");
    let output = tokio::task::spawn_blocking({
        let url = sandbox.targethunter_url();
        move || {
            php.arg(script)
                .env("TH_SANDBOX_TARGETHUNTER_URL", url)
                .output()
        }
    })
    .await
    .expect("join")
    .expect("php runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "php failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(body["success"], true, "{body}");
    let user = users(&state(&sandbox).await)
        .into_iter()
        .find(|u| u["uid"] == "102036383" || u["uid"] == 102036383)
        .expect("the PHP example's user is in the bot");
    assert_eq!(user["channel"], "VK");
    assert_eq!(
        user["payload"],
        json!({"text": "Текст", "param1": "param1"})
    );
    sandbox.shutdown().await;
}
