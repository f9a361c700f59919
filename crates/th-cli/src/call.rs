//! The method tables the generated code fills, and [`Call`]: one validated typed request of
//! one service, ready for a dry run or to be sent.

use th_core::{ApiRequest, HttpRequest, KnownFields, MethodInfo, Params};

use crate::args::Args;
use crate::exit::CliError;

/// A service's subcommand: its name, display name and methods (generated).
#[derive(Debug)]
pub struct Service {
    /// The subcommand: `targethunter`, `justclick`, `adfox`, `radist`.
    pub name: &'static str,
    /// The display name.
    pub title: &'static str,
    /// Its methods, in spec order.
    pub methods: &'static [Method],
}

/// How `--all` walks a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Not a list that pages.
    None,
    /// By offset and limit (ADFOX lists).
    Offset,
    /// By a cursor the answer hands back (Radist.Online).
    Cursor,
    /// By date range, at most a month per call (JustClick orders).
    MonthWindows,
}

/// One method of a spec, as the CLI offers it.
#[derive(Debug)]
pub struct Method {
    /// The subcommand (kebab-case of the SDK method's name).
    pub name: &'static str,
    /// The wire name: a visible alias of the subcommand.
    pub wire: &'static str,
    /// The help text (the spec's doc, wire name, page).
    pub doc: &'static str,
    /// Ask before sending (creates, sends, deletes, or not safe to send twice).
    pub confirm: bool,
    /// How `--all` pages it.
    pub paging: Paging,
    /// Its params, in spec order.
    pub params: &'static [Param],
    /// Builds the SDK's typed request from the flags and validates it.
    pub build: fn(&Args) -> Result<Call, CliError>,
}

/// One param: one flag.
#[derive(Debug)]
pub struct Param {
    /// The request field's name; the flag is its kebab-case.
    pub id: &'static str,
    /// The name on the wire.
    pub wire: &'static str,
    /// The spec's type (shown as the flag's value name).
    pub ty: &'static str,
    /// Required by the spec.
    pub required: bool,
    /// The spec's doc (first paragraph).
    pub help: &'static str,
}

impl Param {
    /// Whether the value is a secret: marked so in the spec, or of a secret type.
    pub fn is_secret(&self) -> bool {
        self.ty.ends_with("(secret)") || matches!(self.ty, "Password" | "Sensitive")
    }
}

/// A required param (one line of generated code).
pub const fn req(
    id: &'static str,
    wire: &'static str,
    ty: &'static str,
    help: &'static str,
) -> Param {
    Param {
        id,
        wire,
        ty,
        required: true,
        help,
    }
}

/// An optional param (one line of generated code).
pub const fn opt(
    id: &'static str,
    wire: &'static str,
    ty: &'static str,
    help: &'static str,
) -> Param {
    Param {
        id,
        wire,
        ty,
        required: false,
        help,
    }
}

type Dry<C, E> = Box<dyn Fn(&C) -> Result<HttpRequest, E> + Send + Sync>;

/// The typed request of one service, kept for the dry run (`build_request`: the exact bytes).
pub enum Typed {
    /// TargetHunter.
    TargetHunter(Dry<targethunter_api::Client, targethunter_api::Error>),
    /// JustClick; `accepts` tells which `error_code`s the method's answer type takes as success.
    JustClick {
        /// The dry run.
        dry: Dry<justclick_api::Client, justclick_api::Error>,
        /// `FromEnvelope::accepts` of the method's answer type.
        accepts: fn(i64) -> bool,
    },
    /// ADFOX.
    Adfox(Dry<adfox_api::Client, adfox_api::Error>),
    /// Radist.Online.
    Radist(Dry<radist_api::Client, radist_api::Error>),
}

impl std::fmt::Debug for Typed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Typed")
    }
}

/// A validated call: the method's facts, its params in wire order, and the typed request.
#[derive(Debug)]
pub struct Call {
    /// The method's static facts.
    pub info: MethodInfo,
    /// The params, as the SDK orders and encodes them.
    pub params: Params,
    /// The typed request (`None` for `raw`).
    pub typed: Option<Typed>,
    /// The typed fields of a row of the answer, in the SDK type's order: the output puts them
    /// first (empty for `raw`).
    pub fields: Vec<String>,
    /// Where an object answer keeps its rows ([`KnownFields::rows_at`]; empty for `raw`).
    pub rows_at: &'static [&'static str],
}

type Checked = (MethodInfo, Params, Vec<String>, &'static [&'static str]);

fn checked<R>(request: &R) -> Result<Checked, CliError>
where
    R: ApiRequest,
    R::Response: KnownFields,
{
    request.validate()?;
    Ok((
        R::INFO,
        request.params(),
        <R::Response as KnownFields>::known_fields(),
        <R::Response as KnownFields>::rows_at(),
    ))
}

impl Call {
    /// A TargetHunter call, validated by the SDK.
    pub fn targethunter<R>(request: R) -> Result<Call, CliError>
    where
        R: ApiRequest + 'static,
        R::Response: KnownFields,
    {
        let (info, params, fields, rows_at) = checked(&request)?;
        Ok(Call {
            info,
            params,
            fields,
            rows_at,
            typed: Some(Typed::TargetHunter(Box::new(move |c| {
                c.build_request(&request)
            }))),
        })
    }

    /// A JustClick call, validated by the SDK.
    pub fn justclick<R>(request: R) -> Result<Call, CliError>
    where
        R: ApiRequest + 'static,
        R::Response: justclick_api::FromEnvelope + KnownFields,
    {
        let (info, params, fields, rows_at) = checked(&request)?;
        Ok(Call {
            info,
            params,
            fields,
            rows_at,
            typed: Some(Typed::JustClick {
                dry: Box::new(move |c| c.build_request(&request)),
                accepts: <R::Response as justclick_api::FromEnvelope>::accepts,
            }),
        })
    }

    /// An ADFOX call, validated by the SDK.
    pub fn adfox<R>(request: R) -> Result<Call, CliError>
    where
        R: ApiRequest + 'static,
        R::Response: KnownFields,
    {
        let (info, params, fields, rows_at) = checked(&request)?;
        Ok(Call {
            info,
            params,
            fields,
            rows_at,
            typed: Some(Typed::Adfox(Box::new(move |c| c.build_request(&request)))),
        })
    }

    /// A Radist.Online call, validated by the SDK.
    pub fn radist<R>(request: R) -> Result<Call, CliError>
    where
        R: ApiRequest + 'static,
        R::Response: KnownFields,
    {
        let (info, params, fields, rows_at) = checked(&request)?;
        Ok(Call {
            info,
            params,
            fields,
            rows_at,
            typed: Some(Typed::Radist(Box::new(move |c| c.build_request(&request)))),
        })
    }
}
