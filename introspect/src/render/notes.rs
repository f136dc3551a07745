//! The notes: what the runtime could not do or wants the reader to know, and what the dump
//! itself left out, one `note:` line each, so a dump says what it lacks rather than leaving the
//! reader to guess.

use super::dump::Dump;
use super::labels::count;
use super::{Detail, TextOptions};
use crate::escape::{bound_lines, escape, lines_marker, LINE_LIMIT};
use crate::model::Snapshot;
use std::fmt::Write as _;

/// The notes section: the snapshot's notes (at most [`LINES_LIMIT`](crate::LINES_LIMIT), each
/// escaped and bounded), then, for `EXECUTOR_TRACEBACK=single`, how many tasks were not shown.
/// Empty when there is nothing to note. Shown at every detail level, the header-only one
/// included: a note says what a dump lacks (tasks missing from it, traces not taken).
pub fn notes(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let mut out = String::new();
    let (kept, omitted) = bound_lines(&dump.snapshot.notes);
    // Writing to a `String` cannot fail.
    for note in kept {
        let _ = writeln!(out, "note: {}", escape(note, LINE_LIMIT));
    }
    if omitted > 0 {
        let _ = writeln!(out, "note: {}", lines_marker(omitted));
    }
    if dump.options.detail == Detail::FatalTaskOnly {
        let shown = dump.entries().len();
        let hidden = dump.snapshot.tasks.len().saturating_sub(shown);
        if hidden > 0 {
            let hidden = u64::try_from(hidden).unwrap_or(u64::MAX);
            let _ = writeln!(
                out,
                "note: {} not shown (EXECUTOR_TRACEBACK=single); the JSON dump lists every task",
                count(hidden, "other task", "other tasks")
            );
        }
    }
    out
}
