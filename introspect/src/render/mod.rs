//! Rendering a snapshot: text for people, JSON for tools.
//!
//! A text dump is made of sections, each rendered by its own function from the snapshot and the
//! [`TextOptions`], each empty when it has nothing to say or the detail level leaves it out,
//! joined by blank lines:
//!
//! 1. [`header`](fn@header): why, policy, time, pid.
//! 2. [`deadlocks`](fn@deadlocks): one line per wait-for cycle, so it is the first thing a reader sees.
//! 3. [`backtrace`](fn@backtrace): the fatal thread's backtrace, runtime frames folded.
//! 4. [`workers`](fn@workers): one line per worker.
//! 5. [`table`](fn@table): one row per task, or per group of alike tasks.
//! 6. [`blocks`](fn@blocks): one block per task, or per group.
//! 7. [`resources`](fn@resources): one line per resource, with its holders and waiters.
//! 8. [`notes`](fn@notes): what the runtime or the dump could not show.
//! 9. [`summary`](fn@summary): one closing line.
//!
//! Every piece of user text goes through [`escape`](crate::escape()) or
//! [`quote`](crate::quote()), so each line of the output is one the renderer wrote. Rendering
//! never panics, never blocks, and takes time linear in the size of the snapshot.

mod backtrace;
mod blocks;
mod deadlocks;
mod dump;
mod frames;
mod group;
mod group_block;
mod header;
mod json;
mod labels;
mod notes;
mod options;
mod pattern;
mod resources;
mod summary;
mod table;
mod utc;
mod workers;

pub use backtrace::backtrace;
pub use blocks::blocks;
pub use deadlocks::deadlocks;
pub use header::header;

/// The lines of a frame list as blocks show them (`at file:line:col in function`, runs of
/// runtime frames folded), without indentation: for tools that print a stack on their own.
pub fn frame_lines(frames: &[crate::Frame]) -> Vec<String> {
    frames::lines(frames)
}

/// [`frame_lines`] for a native stack, innermost first: the folded frames above the first
/// user frame are named by the call that entered them (`(4 runtime frames, entered through
/// std::thread::sleep)`), since that call is what the thread is blocked or spinning in.
pub fn stack_lines(frames: &[crate::Frame]) -> Vec<String> {
    frames::stack_lines(frames)
}
pub use json::{json, to_json_value, SCHEMA_VERSION};
pub use notes::notes;
pub use options::{Detail, ParseDetailError, TextOptions};
pub use resources::resources;
pub use summary::summary;
pub use table::table;
pub use utc::format_utc;
pub use workers::workers;

use crate::model::Snapshot;
use dump::Dump;
use std::{fmt, io};

/// The sections of a text dump, in order.
const SECTIONS: [fn(&Dump<'_>) -> String; 9] = [
    header::section,
    deadlocks::section,
    backtrace::section,
    workers::section,
    table::section,
    blocks::section,
    resources::section,
    notes::section,
    summary::section,
];

/// Renders the text dump.
pub fn text(snapshot: &Snapshot, options: &TextOptions) -> String {
    // One `Dump` for every section: the deadlocks and the grouping are computed once.
    let dump = Dump::new(snapshot, options);
    let mut out = String::new();
    for section in SECTIONS {
        let section = section(&dump);
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

/// The text dump with the default options (every task, grouped).
impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(self, &TextOptions::default()))
    }
}
