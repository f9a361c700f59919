//! Credentials and base URLs: flags win over `--sandbox`, which wins over the environment, which
//! wins over the profile; `--sandbox` fills in the sandbox's own credentials where nothing else
//! set them. Every credential read is kept in [`Clients::secrets`] to scrub any text printed.

use crate::config;
use crate::exit::CliError;

/// Where a setting may come from, besides the environment.
#[derive(Debug, Default)]
pub struct Sources {
    /// `--sandbox`: the sandbox's address (`TH_SANDBOX_URL` or the default).
    pub sandbox: Option<String>,
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--company-id` (Radist.Online).
    pub company_id: Option<i64>,
    /// The profile's table.
    pub profile: toml::Table,
    /// The profile's name.
    pub profile_name: String,
    /// A dry run: missing credentials are replaced by a placeholder (printed redacted anyway).
    pub dry_run: bool,
}

/// A placeholder credential for a dry run without credentials.
const PLACEHOLDER: &str = "XXXXXXXX";

impl Sources {
    /// `KEY` from the environment, else `key` from the profile.
    fn lookup(&self, env: &str) -> Option<String> {
        std::env::var(env)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| config::get(&self.profile, &self.profile_name, &env.to_ascii_lowercase()))
    }

    /// The base URL of `service` (`TARGETHUNTER`), given the sandbox's path for it.
    fn base_url(&self, service: &str, sandbox_path: &str) -> Option<String> {
        if let Some(url) = &self.base_url {
            return Some(url.clone());
        }
        if let Some(root) = &self.sandbox {
            return Some(format!("{}/{sandbox_path}", root.trim_end_matches('/')));
        }
        self.lookup(&format!("{service}_BASE_URL"))
    }

    /// A credential: env/profile, else the sandbox's, else a dry run's placeholder.
    fn credential(
        &self,
        env: &str,
        sandbox_default: &str,
        secrets: &mut Vec<String>,
    ) -> Option<String> {
        let value = self
            .lookup(env)
            .or_else(|| self.sandbox.as_ref().map(|_| sandbox_default.to_owned()))
            .or_else(|| self.dry_run.then(|| PLACEHOLDER.to_owned()))?;
        secrets.push(value.clone());
        Some(value)
    }
}

/// The client of the service a command calls, and the credentials in use (for scrubbing).
#[derive(Debug, Clone)]
pub struct Clients {
    /// The client.
    pub client: Client,
    /// Every credential value in use.
    pub secrets: Vec<String>,
}

/// One service's SDK client.
#[derive(Debug, Clone)]
pub enum Client {
    /// TargetHunter.
    TargetHunter(targethunter_api::Client),
    /// JustClick.
    JustClick(justclick_api::Client),
    /// ADFOX.
    Adfox(adfox_api::Client),
    /// Radist.Online.
    Radist(radist_api::Client),
}

fn missing(what: &str, how: &str) -> CliError {
    CliError::auth(format!(
        "no {what} credentials: set {how} (or `th config set …`), or use --sandbox"
    ))
}

fn config_error(e: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("invalid client settings: {e}"))
}

impl Clients {
    /// The client of `service` (`targethunter`, `justclick`, `adfox`, `radist`).
    pub fn build(service: &str, src: &Sources) -> Result<Clients, CliError> {
        let mut secrets = Vec::new();
        let client = match service {
            "targethunter" => {
                let key = src
                    .credential(
                        "TARGETHUNTER_API_KEY",
                        th_sandbox::targethunter::DEMO_API_KEY,
                        &mut secrets,
                    )
                    .ok_or_else(|| missing("TargetHunter", "TARGETHUNTER_API_KEY"))?;
                let mut b = targethunter_api::Client::builder(key);
                if let Some(url) = src.base_url("TARGETHUNTER", "targethunter/api/") {
                    b = b.base_url(url);
                }
                Client::TargetHunter(b.build().map_err(config_error)?)
            }
            "justclick" => {
                let login = src
                    .credential(
                        "JUSTCLICK_LOGIN",
                        th_sandbox::justclick::DEMO_LOGIN,
                        &mut secrets,
                    )
                    .ok_or_else(|| missing("JustClick", "JUSTCLICK_LOGIN and JUSTCLICK_SECRET"))?;
                let secret = src
                    .credential(
                        "JUSTCLICK_SECRET",
                        th_sandbox::justclick::DEMO_SECRET,
                        &mut secrets,
                    )
                    .ok_or_else(|| missing("JustClick", "JUSTCLICK_LOGIN and JUSTCLICK_SECRET"))?;
                let mut b = justclick_api::Client::builder(login, secret);
                if let Some(url) = src.base_url("JUSTCLICK", "justclick/api/") {
                    b = b.base_url(url);
                }
                Client::JustClick(b.build().map_err(config_error)?)
            }
            "adfox" => {
                let token = src.lookup("ADFOX_OAUTH_TOKEN");
                let login = src.lookup("ADFOX_LOGIN");
                let password = src.lookup("ADFOX_PASSWORD");
                let (mut b, path) = match (token, login, password) {
                    (Some(token), _, _) => {
                        secrets.push(token.clone());
                        (adfox_api::Client::oauth(token), "adfox/api/v1")
                    }
                    (None, Some(login), Some(password)) => {
                        secrets.push(password.clone());
                        (
                            adfox_api::Client::legacy(login, &password),
                            "adfox/v1/API.php",
                        )
                    }
                    _ => {
                        let token = src
                            .credential(
                                "ADFOX_OAUTH_TOKEN",
                                th_sandbox::adfox::DEMO_OAUTH_TOKEN,
                                &mut secrets,
                            )
                            .ok_or_else(|| {
                                missing(
                                    "ADFOX",
                                    "ADFOX_OAUTH_TOKEN, or ADFOX_LOGIN and ADFOX_PASSWORD",
                                )
                            })?;
                        (adfox_api::Client::oauth(token), "adfox/api/v1")
                    }
                };
                if let Some(url) = src.base_url("ADFOX", path) {
                    b = b.base_url(url);
                }
                // The statistics APIs have their own root (the sandbox's `/adfox/`).
                let stats = match &src.sandbox {
                    Some(root) => Some(format!("{}/adfox/", root.trim_end_matches('/'))),
                    None => src.lookup("ADFOX_STATS_BASE_URL"),
                };
                if let Some(url) = stats {
                    b = b.stats_base_url(url);
                }
                Client::Adfox(b.build().map_err(config_error)?)
            }
            "radist" => {
                let key = src
                    .credential(
                        "RADIST_API_KEY",
                        th_sandbox::radist::DEMO_API_KEY,
                        &mut secrets,
                    )
                    .ok_or_else(|| missing("Radist.Online", "RADIST_API_KEY"))?;
                let mut b = radist_api::Client::builder(key);
                let company = match src.company_id {
                    Some(id) => Some(id),
                    None => match src.lookup("RADIST_COMPANY_ID") {
                        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
                            CliError::usage("RADIST_COMPANY_ID must be an integer")
                        })?),
                        None => src
                            .sandbox
                            .as_ref()
                            .map(|_| th_sandbox::radist::DEMO_COMPANY_ID),
                    },
                };
                if let Some(id) = company {
                    b = b.company_id(id);
                }
                if let Some(url) = src.base_url("RADIST", "radist/v2/") {
                    b = b.base_url(url);
                }
                Client::Radist(b.build().map_err(config_error)?)
            }
            other => return Err(CliError::usage(format!("unknown service `{other}`"))),
        };
        secrets.retain(|s| s.len() >= 4);
        Ok(Clients { client, secrets })
    }

    /// `text` with every credential in use replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        scrub_with(&self.secrets, text)
    }
}

/// `text` with each of `secrets` replaced by `[redacted]`.
pub fn scrub_with(secrets: &[String], text: &str) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s.as_str(), config::REDACTED);
            let encoded = th_core::form::urlencode(s);
            if encoded != *s {
                out = out.replace(&encoded, config::REDACTED);
            }
        }
    }
    out
}
