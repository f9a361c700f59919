//! TargetHunter: add a user to a bot with a payload, set / read / clear user and global
//! variables, remove the user, and the error cases — in both wire formats.

use targethunter_api::{
    ApiError, BotsAddUser, BotsRemoveUser, Channel, Client, Error, GlobalVarsClear, GlobalVarsGet,
    GlobalVarsSet, VarsClear, VarsGet, VarsSet, WireFormat,
};
use th_sandbox::SandboxHandle;

use crate::steps::{Steps, expect};

/// Runs the TargetHunter section.
pub async fn run(steps: &mut Steps, sandbox: &SandboxHandle) {
    if let Err(e) = scenario(steps, &sandbox.targethunter_url()).await {
        steps.check::<&str>("TargetHunter setup", Err(e.to_string()));
    }
}

async fn scenario(steps: &mut Steps, base_url: &str) -> Result<(), Error> {
    const KEY: &str = "cd29334cb46d4f8325deedfdea81e9b266319d074e08cd56f05b56466d2";
    const BOT: &str = "607d97c6a01c6a25972ed95e";
    const UID: i64 = 102036383;
    println!("\n== TargetHunter ({base_url}) ==");
    for wire in [WireFormat::Json, WireFormat::Form] {
        println!("-- wire format: {wire:?}");
        let client = Client::builder(KEY)
            .base_url(base_url)
            .wire_format(wire)
            .build()?;
        let mut payload = serde_json::Map::new();
        payload.insert("text".into(), "Текст".into());
        payload.insert("param1".into(), "param1".into());
        let add = BotsAddUser::new(BOT, UID, Channel::Vk)
            .force(true)
            .payload(payload);
        steps.check(
            "bots/addUser: add user 102036383 (VK) to the bot with a payload",
            expect(
                client.bots_add_user(add).await,
                |r| r.added == Some(true),
                "added = true",
            ),
        );
        steps.check(
            "bots/addUser again without force: already there",
            expect(
                client
                    .bots_add_user(BotsAddUser::new(BOT, UID, Channel::Vk))
                    .await,
                |r| r.added == Some(false),
                "added = false",
            ),
        );
        steps.check(
            "vars/set: city = Москва",
            expect(
                client
                    .vars_set(VarsSet::new("city", UID, "Москва").channel(Channel::Vk))
                    .await,
                |_| true,
                "ok",
            ),
        );
        steps.check(
            "vars/get: city",
            expect(
                client
                    .vars_get(VarsGet::new("city", UID).channel(Channel::Vk))
                    .await,
                |v| v.value.as_deref() == Some("Москва"),
                "value Москва",
            ),
        );
        steps.check(
            "vars/clear: city",
            expect(
                client
                    .vars_clear(VarsClear::new("city", UID).channel(Channel::Vk))
                    .await,
                |_| true,
                "ok",
            ),
        );
        steps.check(
            "vars/get: city is unset now",
            expect(
                client
                    .vars_get(VarsGet::new("city", UID).channel(Channel::Vk))
                    .await,
                |v| v.value.is_none(),
                "no value",
            ),
        );
        steps.check(
            "globalvars/set: promo = SPRING-25",
            expect(
                client
                    .globalvars_set(GlobalVarsSet::new("promo", "SPRING-25"))
                    .await,
                |_| true,
                "ok",
            ),
        );
        steps.check(
            "globalvars/get: promo",
            expect(
                client.globalvars_get(GlobalVarsGet::new("promo")).await,
                |v| v.value.as_deref() == Some("SPRING-25"),
                "value SPRING-25",
            ),
        );
        steps.check(
            "globalvars/clear: promo",
            expect(
                client.globalvars_clear(GlobalVarsClear::new("promo")).await,
                |_| true,
                "ok",
            ),
        );
        steps.check(
            "bots/removeUser: remove the user",
            expect(
                client
                    .bots_remove_user(BotsRemoveUser::new(BOT, UID, Channel::Vk))
                    .await,
                |_| true,
                "ok",
            ),
        );
    }
    let client = Client::builder(KEY).base_url(base_url).build()?;
    steps.check(
        "error case: bots/addUser to a bot that does not exist → typed API error",
        match client
            .bots_add_user(BotsAddUser::new(
                "65e848079de61973850c33aa",
                UID,
                Channel::Tg,
            ))
            .await
        {
            Err(e @ Error::Service(ApiError::Api { .. })) => Ok(format!("{e}")),
            other => Err(format!("expected an API error, got {other:?}")),
        },
    );
    steps.check(
        "error case: a malformed bot id is refused before sending",
        match client
            .bots_add_user(BotsAddUser::new("not-an-id", UID, Channel::Tg))
            .await
        {
            Err(e @ Error::InvalidInput(_)) => Ok(format!("{e}")),
            other => Err(format!("expected invalid input, got {other:?}")),
        },
    );
    let wrong = Client::builder("wrong-key").base_url(base_url).build()?;
    steps.check(
        "error case: a wrong api_key → invalid_api_key",
        match wrong.globalvars_get(GlobalVarsGet::new("promo")).await {
            Err(e @ Error::Service(ApiError::Api { .. })) => Ok(format!("{e}")),
            other => Err(format!("expected an API error, got {other:?}")),
        },
    );
    Ok(())
}
