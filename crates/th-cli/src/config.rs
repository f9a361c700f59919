//! Profiles in a TOML file and `th config set|get|list`.
//!
//! The file is `$TH_CONFIG`, else `th/config.toml` in the platform's config directory. It holds
//! one table per profile (`[default]`, `[work]`), keys named like the environment variables in
//! lowercase (`radist_api_key`). It is created owner-only (0600) and refused when the group or
//! others can read it. Secrets are never printed: `list` and `get` show them redacted.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::exit::CliError;

/// The keys a profile may hold, with whether each is a secret.
pub const KEYS: &[(&str, bool)] = &[
    ("targethunter_api_key", true),
    ("targethunter_base_url", false),
    ("justclick_login", true),
    ("justclick_secret", true),
    ("justclick_base_url", false),
    ("adfox_oauth_token", true),
    ("adfox_login", false),
    ("adfox_password", true),
    ("adfox_base_url", false),
    ("adfox_stats_base_url", false),
    ("radist_api_key", true),
    ("radist_company_id", false),
    ("radist_base_url", false),
];

/// What `list` and `get` print instead of a secret.
pub const REDACTED: &str = "[redacted]";

/// The config file's path.
pub fn path() -> Result<PathBuf, CliError> {
    if let Some(p) = std::env::var_os("TH_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir()
        .map(|d| d.join("th").join("config.toml"))
        .ok_or_else(|| CliError::usage("no config directory on this platform; set TH_CONFIG"))
}

/// Whether `key` holds a secret.
pub fn is_secret(key: &str) -> bool {
    KEYS.iter().any(|(k, s)| *k == key && *s)
}

/// The whole file (empty when there is none yet); refused when others can read it.
pub fn load() -> Result<toml::Table, CliError> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(toml::Table::new()),
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    check_private(&path)?;
    text.parse::<toml::Table>().map_err(|e| {
        CliError::usage(format!(
            "{} is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &std::path::Path) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| CliError::usage(format!("cannot stat {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CliError::usage(format!(
            "refusing {}: it holds credentials and others can access it (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &std::path::Path) -> Result<(), CliError> {
    Ok(())
}

fn save(table: &toml::Table) -> Result<(), CliError> {
    let path = path()?;
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = toml::to_string(table)
        .map_err(|e| CliError::usage(format!("cannot write the config: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))?;
    check_private(&path)?;
    file.write_all(text.as_bytes())
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))
}

/// A value of `profile`, from the file.
pub fn get(table: &toml::Table, profile: &str, key: &str) -> Option<String> {
    match table.get(profile)?.get(key)? {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        other => Some(other.to_string()),
    }
}

/// The `config` subcommand.
pub fn command() -> clap::Command {
    use clap::{Arg, Command};
    let keys = KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>();
    let key = Arg::new("key")
        .required(true)
        .value_parser(clap::builder::PossibleValuesParser::new(keys))
        .help("The setting");
    Command::new("config")
        .about("Profiles in the config file ($TH_CONFIG or <config dir>/th/config.toml)")
        .subcommand_required(true)
        .subcommand(
            Command::new("set")
                .about("Set a value; without VALUE it is read from stdin (keeps secrets out of shell history)")
                .arg(key.clone())
                .arg(Arg::new("value").help("The value (omit to read a line from stdin)")),
        )
        .subcommand(
            Command::new("get")
                .about("Print a value (secrets redacted unless --reveal)")
                .arg(key)
                .arg(
                    Arg::new("reveal")
                        .long("reveal")
                        .action(clap::ArgAction::SetTrue)
                        .help("Print a secret in clear (only to a pipe or a file, never to a terminal)"),
                ),
        )
        .subcommand(Command::new("list").about("List the profile's values, secrets redacted"))
        .subcommand(Command::new("path").about("Print the config file's path"))
}

/// Runs `th config …` for `profile`.
pub fn run(matches: &clap::ArgMatches, profile: &str) -> Result<(), CliError> {
    let out = std::io::stdout();
    let mut out = out.lock();
    let w = |out: &mut std::io::StdoutLock<'_>, text: String| {
        writeln!(out, "{text}").map_err(|e| CliError::usage(format!("cannot write: {e}")))
    };
    match matches.subcommand() {
        Some(("set", m)) => {
            let key = m.get_one::<String>("key").cloned().unwrap_or_default();
            let value = match m.get_one::<String>("value") {
                Some(v) => v.clone(),
                None => {
                    if std::io::stdin().is_terminal() {
                        eprint!("{key}: ");
                    }
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let mut table = load()?;
            let entry = table
                .entry(profile.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(section) = entry else {
                return Err(CliError::usage(format!(
                    "[{profile}] in the config is not a table"
                )));
            };
            section.insert(key, toml::Value::String(value));
            save(&table)
        }
        Some(("get", m)) => {
            let key = m.get_one::<String>("key").cloned().unwrap_or_default();
            let table = load()?;
            let Some(value) = get(&table, profile, &key) else {
                return Err(CliError::usage(format!(
                    "{key} is not set in profile `{profile}`"
                )));
            };
            let reveal = m.get_flag("reveal") && !std::io::stdout().is_terminal();
            if is_secret(&key) && !reveal {
                w(&mut out, REDACTED.to_owned())
            } else {
                w(&mut out, value)
            }
        }
        Some(("list", _)) => {
            let table = load()?;
            if let Some(toml::Value::Table(section)) = table.get(profile) {
                for (key, value) in section {
                    let shown = if is_secret(key) || !KEYS.iter().any(|(k, _)| k == key) {
                        REDACTED.to_owned()
                    } else {
                        match value {
                            toml::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }
                    };
                    w(&mut out, format!("{key} = {shown}"))?;
                }
            }
            Ok(())
        }
        Some(("path", _)) => w(&mut out, path()?.display().to_string()),
        _ => Err(CliError::usage("th config: set, get, list or path")),
    }
}
