//! How much a text dump shows.

use crate::escape::{quote, NAME_LIMIT};
use std::fmt;
use std::str::FromStr;

/// Options for [`text`](super::text) and [`write_text`](super::write_text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextOptions {
    /// How much of the snapshot to show.
    pub detail: Detail,
    /// Show tasks that look alike (same state, name pattern, spawn site, wait kind, await
    /// trace and stack) once, with their count and ids, in the table and the blocks; see
    /// `blocks`. On by default: a service with 100,000 connection tasks must
    /// not print a dump nobody can read. The JSON always lists every task.
    pub group: bool,
}

impl Default for TextOptions {
    /// Every task, grouped.
    fn default() -> Self {
        TextOptions {
            detail: Detail::AllTasks,
            group: true,
        }
    }
}

impl TextOptions {
    /// The options for `detail`, grouped (the default).
    pub const fn new(detail: Detail) -> Self {
        TextOptions {
            detail,
            group: true,
        }
    }
}

/// How much a text dump shows, like Go's `GOTRACEBACK`.
///
/// Parsed from the values of the runtime's `EXECUTOR_TRACEBACK` variable: `none`, `single`,
/// `all`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Detail {
    /// `none`: the header and the summary line (which still counts tasks and deadlocks).
    HeaderOnly,
    /// `single`: the header, the deadlocks, the backtrace, the row and block of the task that
    /// raised the fatal error, the notes (with one saying how many tasks were left out), then
    /// the summary line. For a crash in one task of a huge service: the JSON dump still lists
    /// every task.
    FatalTaskOnly,
    /// `all` (the default): every section: the header, the deadlocks, the backtrace, the
    /// workers, the table, the blocks, the resources, the notes and the summary line.
    #[default]
    AllTasks,
}

impl FromStr for Detail {
    type Err = ParseDetailError;

    /// Parses `none`, `single` or `all` (exactly; environment values are not trimmed).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "none" => Ok(Detail::HeaderOnly),
            "single" => Ok(Detail::FatalTaskOnly),
            "all" => Ok(Detail::AllTasks),
            _ => Err(ParseDetailError {
                value: value.to_owned(),
            }),
        }
    }
}

/// The error for a value that is not `none`, `single` or `all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDetailError {
    /// The value as given, unescaped.
    value: String,
}

impl fmt::Display for ParseDetailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value comes from the environment: escape it like any user text.
        write!(
            f,
            "unknown traceback level {}, expected none, single or all",
            quote(&self.value, NAME_LIMIT)
        )
    }
}

impl std::error::Error for ParseDetailError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_levels() {
        assert_eq!("none".parse(), Ok(Detail::HeaderOnly));
        assert_eq!("single".parse(), Ok(Detail::FatalTaskOnly));
        assert_eq!("all".parse(), Ok(Detail::AllTasks));
        assert_eq!(Detail::default(), Detail::AllTasks);
        assert_eq!(TextOptions::default(), TextOptions::new(Detail::AllTasks));
        assert!(TextOptions::default().group);
    }

    #[test]
    fn rejects_others_with_an_escaped_message() {
        let err = "ALL\x1b".parse::<Detail>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown traceback level \"ALL\\u{1b}\", expected none, single or all"
        );
    }
}
