//! Rendering a snapshot: text for people, JSON for tools.
//!
//! A text dump is made of sections, each rendered by its own function from the snapshot and the
//! [`TextOptions`], each empty when the detail level leaves it out, joined by blank lines:
//!
//! 1. [`header`]: why, policy, time, pid.
//! 2. [`backtrace`]: the fatal thread's backtrace.
//! 3. [`workers`]: one line per worker.
//! 4. [`table`]: one row per task.
//! 5. [`blocks`]: one block per task.
//! 6. [`summary`]: one closing line.
//!
//! Every piece of user text goes through [`escape`](crate::escape()) or [`quote`](crate::quote()), so each line of
//! the output is one the renderer wrote.

mod blocks;
mod header;
mod json;
mod labels;
mod options;
mod order;
mod summary;
mod table;
mod utc;
mod workers;

pub use blocks::blocks;
pub use header::{backtrace, header};
pub use json::{json, to_json_value, SCHEMA_VERSION};
pub use options::{Detail, ParseDetailError, TextOptions};
pub use summary::summary;
pub use table::table;
pub use utc::format_utc;
pub use workers::workers;

use crate::model::Snapshot;
use std::{fmt, io};

/// The sections of a text dump, in order.
const SECTIONS: [fn(&Snapshot, &TextOptions) -> String; 6] =
    [header, backtrace, workers, table, blocks, summary];

/// Renders the text dump.
pub fn text(snapshot: &Snapshot, options: &TextOptions) -> String {
    let mut out = String::new();
    for section in SECTIONS {
        let section = section(snapshot, options);
        if section.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&section);
    }
    out
}

/// Renders the text dump into `out` with a single `write_all`, then flushes.
///
/// One write, rather than one per line, keeps the dump in one piece when other threads write
/// to the same stream (as they may, on a fatal path, with `NoFreeze`).
pub fn write_text(
    snapshot: &Snapshot,
    options: &TextOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    out.write_all(text(snapshot, options).as_bytes())?;
    out.flush()
}

/// The text dump with the default options (every task).
impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(self, &TextOptions::default()))
    }
}
