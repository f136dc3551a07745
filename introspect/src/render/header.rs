//! The top of a dump: why, under which policy, when, which process; then the fatal thread's
//! backtrace.

use super::{labels, utc, Detail, TextOptions};
use crate::escape::{
    bound_lines, escape, lines_marker, quote, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT,
};
use crate::model::{Reason, Snapshot, TaskId};
use std::fmt::Write as _;

/// The header: the reason, the freeze policy, the time (UTC) and the process id.
pub fn header(snapshot: &Snapshot, options: &TextOptions) -> String {
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
            let origin = origin(snapshot, location.as_deref(), *task);
            if !origin.is_empty() {
                let _ = writeln!(out, "    {origin}");
            }
        }
        Reason::Signal { name } => {
            let _ = write!(out, "{} received", escape(name, NAME_LIMIT));
            if options.detail == Detail::AllTasks {
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
fn origin(snapshot: &Snapshot, location: Option<&str>, task: Option<TaskId>) -> String {
    let mut parts = Vec::new();
    if let Some(location) = location {
        parts.push(format!("at {}", escape(location, LINE_LIMIT)));
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

/// The fatal thread's backtrace, one escaped line per line, indented; empty when there is none
/// or when `detail` is [`Detail::HeaderOnly`].
pub fn backtrace(snapshot: &Snapshot, options: &TextOptions) -> String {
    let Some(backtrace) = &snapshot.backtrace else {
        return String::new();
    };
    if options.detail == Detail::HeaderOnly {
        return String::new();
    }
    let lines = backtrace_lines(backtrace);
    let (kept, omitted) = bound_lines(&lines);
    let mut out = String::from("fatal thread backtrace:\n");
    for line in kept {
        let _ = writeln!(out, "    {}", escape(line, LINE_LIMIT));
    }
    if kept.is_empty() {
        out.push_str("    (empty)\n");
    }
    if omitted > 0 {
        let _ = writeln!(out, "    {}", lines_marker(omitted));
    }
    out
}

/// The lines of a backtrace worth showing (shared with the JSON dump, so both keep the same
/// lines): blank lines carry nothing, and a trailing `\r` is a CRLF line end, not an overwrite
/// trick.
pub(super) fn backtrace_lines(backtrace: &str) -> Vec<&str> {
    backtrace
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.trim().is_empty())
        .collect()
}
