//! The step counter and printer shared by every service's section.

use std::fmt::Debug;

use targethunter_api::{Ack, AddUserResult, Error, VarValue};

/// Counts steps and failures, and prints each step.
pub struct Steps {
    /// Steps that passed.
    pub ok: usize,
    /// Steps that failed.
    pub failed: usize,
}

impl Steps {
    /// Prints a step and its result; counts it.
    pub fn check<T: Show>(&mut self, name: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => {
                self.ok += 1;
                println!("  ok   {name}\n       → {}", value.show());
                Some(value)
            }
            Err(why) => {
                self.failed += 1;
                println!("  FAIL {name}\n       → {why}");
                None
            }
        }
    }
}

/// A one-line rendering of a step's result.
pub trait Show {
    fn show(&self) -> String;
}

impl Show for AddUserResult {
    fn show(&self) -> String {
        format!(
            "added: {:?}, message: {:?}",
            self.added,
            self.message.as_deref().unwrap_or("")
        )
    }
}

impl Show for Ack {
    fn show(&self) -> String {
        format!("ok {}", self.raw)
    }
}

impl Show for VarValue {
    fn show(&self) -> String {
        format!("value: {:?}", self.value)
    }
}

impl Show for &str {
    fn show(&self) -> String {
        (*self).to_owned()
    }
}

impl Show for String {
    fn show(&self) -> String {
        self.clone()
    }
}

/// `Ok` when the call succeeded and `check` holds, else a description of what went wrong.
pub fn expect<T: Debug>(
    result: Result<T, Error>,
    check: impl FnOnce(&T) -> bool,
    what: &str,
) -> Result<T, String> {
    match result {
        Ok(v) if check(&v) => Ok(v),
        Ok(v) => Err(format!("expected {what}, got {v:?}")),
        Err(e) => Err(format!("expected {what}, got error: {e}")),
    }
}
