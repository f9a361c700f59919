//! Exit codes and the one error type of the CLI: a message for stderr and the code it exits with.

use std::fmt;
use std::process::ExitCode;

use th_core::{Error, InvalidInput, ServiceError, StatusError};

/// Success.
pub const OK: u8 = 0;
/// A usage error: bad flags or values, refused input, a config problem, a refused confirmation.
pub const USAGE: u8 = 2;
/// The service answered with an error.
pub const API: u8 = 3;
/// The service refused the credentials, or none were found.
pub const AUTH: u8 = 4;
/// No answer: connection refused, timeout, reset.
pub const NETWORK: u8 = 5;
/// Rate limited (HTTP 429 after retries).
pub const RATE_LIMITED: u8 = 6;

/// The exit codes as `th --help` lists them.
pub const HELP: &str = "\
Exit codes:
  0  success
  2  usage: bad flags or values (refused before anything is sent), config problems, not confirmed
  3  the service answered with an error
  4  auth: no credentials, or the service refused them
  5  network or timeout: no answer from the service
  6  rate limited by the service";

/// An error that ends the command: one line for stderr (never a secret) and an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The exit code.
    pub code: u8,
    /// What went wrong, for people.
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: USAGE,
            message: message.into(),
        }
    }

    /// An auth error (exit 4).
    pub fn auth(message: impl Into<String>) -> Self {
        CliError {
            code: AUTH,
            message: message.into(),
        }
    }

    /// An API error (exit 3).
    pub fn api(message: impl Into<String>) -> Self {
        CliError {
            code: API,
            message: message.into(),
        }
    }

    /// A network error (exit 5).
    pub fn network(message: impl Into<String>) -> Self {
        CliError {
            code: NETWORK,
            message: message.into(),
        }
    }

    /// The error of an SDK call, classified; `scrub` removes the credentials in use from the
    /// text (the SDK's errors carry none, this is a second guard).
    pub fn from_sdk<E: ServiceError>(error: &Error<E>, scrub: &dyn Fn(&str) -> String) -> Self {
        let code = match error {
            Error::InvalidInput(_) | Error::Config(_) => USAGE,
            Error::Status(StatusError::RateLimited { .. }) => RATE_LIMITED,
            e if e.status() == Some(429) => RATE_LIMITED,
            e if e.is_unauthorized() => AUTH,
            Error::Transport(_) => NETWORK,
            _ => API,
        };
        let mut message = scrub(&error.to_string());
        if code == AUTH {
            message = format!("the service refused the credentials: {message}");
        }
        CliError { code, message }
    }

    /// The process's exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<th_core::PaginationError> for CliError {
    fn from(e: th_core::PaginationError) -> Self {
        CliError::api(e.to_string())
    }
}

impl From<InvalidInput> for CliError {
    fn from(e: InvalidInput) -> Self {
        CliError::usage(e.to_string())
    }
}
