//! `th adfox report`: an ADFOX statistics report (report API), started, polled while it runs
//! (its state on the progress line) and written as rows keyed by the report's fields.

use std::time::{Duration, Instant};

use adfox_api::stats::{ReportLevel, ReportRequest, TaskState};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};

use crate::creds::{Client, Clients};
use crate::exit::CliError;
use crate::output::Output;
use crate::progress::Progress;

/// The subcommand.
pub fn command() -> Command {
    Command::new("report")
        .about("Run a statistics report (report API): start it, wait while it runs, print its rows")
        .long_about(
            "Run a statistics report of the report API: started with GET /api/report/<level>, \
             polled with GET /api/report/result until it is done, its table printed as rows.\n\n\
             Documented at https://yandex.ru/dev/adfox/doc/en/statistics/how-to",
        )
        .arg(
            Arg::new("level")
                .long("level")
                .value_parser([
                    "owner",
                    "supercampaign",
                    "campaign",
                    "banner",
                    "site",
                    "section",
                    "place",
                ])
                .default_value("owner")
                .help("The object level"),
        )
        .arg(
            Arg::new("name")
                .long("name")
                .required(true)
                .help("The report's name (`custom_<id>` for a custom report)"),
        )
        .arg(
            Arg::new("from")
                .long("from")
                .required(true)
                .value_name("YYYY-MM-DD")
                .help("The first day"),
        )
        .arg(
            Arg::new("to")
                .long("to")
                .required(true)
                .value_name("YYYY-MM-DD")
                .help("The last day"),
        )
        .arg(
            Arg::new("id")
                .long("id")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(i64))
                .help("An object of the level (repeatable)"),
        )
        .arg(
            Arg::new("owner-id")
                .long("owner-id")
                .value_parser(clap::value_parser!(i64))
                .help("ownerId, for member accounts shared across administrators"),
        )
        .arg(
            Arg::new("wait")
                .long("wait")
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(u64))
                .default_value("600")
                .help("How long to wait for the report"),
        )
}

fn level(name: &str) -> ReportLevel {
    match name {
        "supercampaign" => ReportLevel::Supercampaign,
        "campaign" => ReportLevel::Campaign,
        "banner" => ReportLevel::Banner,
        "site" => ReportLevel::Site,
        "section" => ReportLevel::Section,
        "place" => ReportLevel::Place,
        _ => ReportLevel::Owner,
    }
}

/// The report's request from the flags.
pub fn request(m: &ArgMatches) -> ReportRequest {
    let text = |id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
    let mut r = ReportRequest::new(
        level(&text("level")),
        text("name"),
        text("from").as_str(),
        text("to").as_str(),
    );
    for id in m.get_many::<i64>("id").into_iter().flatten() {
        r = r.id(*id);
    }
    if let Some(owner) = m.get_one::<i64>("owner-id") {
        r = r.owner_id(*owner);
    }
    r
}

/// Runs the report and writes its rows.
pub async fn run<W: std::io::Write>(
    m: &ArgMatches,
    clients: &Clients,
    out: &mut Output<W>,
    verbose: bool,
) -> Result<(), CliError> {
    let Client::Adfox(client) = &clients.client else {
        return Err(CliError::usage("report is an ADFOX command"));
    };
    let scrub = |t: &str| clients.scrub(t);
    let request = request(m);
    let wait = Duration::from_secs(m.get_one::<u64>("wait").copied().unwrap_or(600));
    let progress = Progress::task("ADFOX report", verbose);
    let task = client
        .report_start(&request)
        .await
        .map_err(|e| CliError::from_sdk(&e, &scrub))?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(200);
    let table = loop {
        let polled = client
            .report_result_for(&task, request.owner_id)
            .await
            .map_err(|e| CliError::from_sdk(&e, &scrub))?;
        progress.status(polled.state.as_str());
        match (polled.state, polled.table) {
            (TaskState::Success, table) => break table.unwrap_or_default(),
            (TaskState::Pending | TaskState::Started | TaskState::Running, _) => {}
            (other, _) => {
                progress.finish();
                return Err(CliError::api(format!(
                    "the report ended in state {}",
                    other.as_str()
                )));
            }
        }
        if started.elapsed() >= wait {
            progress.finish();
            return Err(CliError::network(format!(
                "the report was not ready within {} s (task {task})",
                wait.as_secs()
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    };
    progress.finish();
    let rows: Vec<Value> = table
        .rows
        .into_iter()
        .map(|row| {
            let map: Map<String, Value> = table.fields.iter().cloned().zip(row).collect();
            Value::Object(map)
        })
        .collect();
    out.page(rows)?;
    out.finish()
}
