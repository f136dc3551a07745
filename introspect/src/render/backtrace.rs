//! The fatal thread's backtrace: where the thread that raised the fatal error was.
//!
//! Frames are innermost first, numbered by their index in the captured backtrace, so the gaps
//! left by folded runtime runs (see `frames`) show how much was folded and the
//! numbers match a `RUST_BACKTRACE=1` print of the same backtrace:
//!
//! ```text
//! fatal thread backtrace:
//!        (2 runtime frames)
//!     2: server::handle_conn
//!            at src/server.rs:88:13
//!        (9 runtime frames)
//! ```

use super::dump::Dump;
use super::frames::{self, Folded};
use super::{Detail, TextOptions};
use crate::escape::{bound_lines, lines_marker};
use crate::model::Snapshot;
use std::fmt::Write as _;

/// The backtrace section; empty when there is none or when `options` shows only the header.
pub fn backtrace(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let Some(backtrace) = &dump.snapshot.backtrace else {
        return String::new();
    };
    if dump.options.detail == Detail::HeaderOnly {
        return String::new();
    }
    let mut out = String::from("fatal thread backtrace:\n");
    if backtrace.is_empty() {
        out.push_str("    (empty)\n");
        return out;
    }
    let width = (backtrace.len() - 1).to_string().len();
    let blank = " ".repeat(width);
    let folded = frames::fold(backtrace);
    let (kept, omitted) = bound_lines(&folded);
    // Writing to a `String` cannot fail.
    for item in kept {
        match item {
            Folded::Shown(index, frame) => {
                let _ = writeln!(
                    out,
                    "    {index:>width$}: {}",
                    frames::function(&frame.function)
                );
                if let Some(location) = frames::location(frame) {
                    let _ = writeln!(out, "    {blank}      at {location}");
                }
            }
            Folded::Runtime(run) => {
                let _ = writeln!(out, "    {blank}  {}", frames::runtime_run(*run));
            }
        }
    }
    if omitted > 0 {
        let _ = writeln!(out, "    {blank}  {}", lines_marker(omitted));
    }
    out
}
