//! The top of a dump: why, under which policy, when, which process.

use super::dump::Dump;
use super::{labels, utc, Detail, TextOptions};
use crate::escape::{escape, quote, MESSAGE_LIMIT, NAME_LIMIT};
use crate::model::{Reason, Snapshot, SourceLocation, TaskId};
use std::fmt::Write as _;

/// The header: the reason, the freeze policy, the time (UTC) and the process id.
pub fn header(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let snapshot = dump.snapshot;
    let mut out = String::new();
    // Writing to a `String` cannot fail, here and below.
    match &snapshot.reason {
        Reason::Live => out.push_str("live snapshot\n"),
        Reason::Fatal {
            message,
            location,
            task,
        } => {
            if message.is_empty() {
                out.push_str("fatal error: (no message)\n");
            } else {
                let _ = writeln!(out, "fatal error: {}", escape(message, MESSAGE_LIMIT));
            }
            let origin = origin(snapshot, location.as_ref(), *task);
            if !origin.is_empty() {
                let _ = writeln!(out, "    {origin}");
            }
        }
        Reason::Signal { name } => {
            let _ = write!(out, "{} received", escape(name, NAME_LIMIT));
            if dump.options.detail == Detail::AllTasks {
                out.push_str(": dumping all tasks");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "freeze policy: {}", labels::policy(snapshot.policy));
    let _ = writeln!(out, "time: {}", utc::format_utc(snapshot.taken_at_unix_ms));
    let _ = writeln!(out, "pid: {}", snapshot.pid);
    out
}

/// `at src/queue.rs:88:13 in task 5 "conn"`, or the parts of it that are known.
fn origin(snapshot: &Snapshot, location: Option<&SourceLocation>, task: Option<TaskId>) -> String {
    let mut parts = Vec::new();
    if let Some(location) = location {
        parts.push(format!("at {}", labels::location(location)));
    }
    if let Some(id) = task {
        parts.push(format!("in task {id}"));
        let name = snapshot
            .tasks
            .iter()
            .find(|t| t.id == id)
            .and_then(|t| t.name.as_deref());
        if let Some(name) = name {
            parts.push(quote(name, NAME_LIMIT));
        }
    }
    parts.join(" ")
}
