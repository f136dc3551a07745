//! The JSON dump: the snapshot as data, for tools. The schema is documented in the crate docs.

use super::header::backtrace_lines;
use crate::escape::{
    bound, bound_lines, is_hidden, lines_marker, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT,
};
use crate::model::{Policy, Reason, Snapshot, TaskInfo, Totals, WorkerInfo};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;

/// The version of the JSON schema; bumped on any change a reader could notice.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON document: the snapshot's fields with its strings bounded, between the schema
/// version and the totals. Spelled out, rather than `#[serde(flatten)]`, so that the field
/// order of the schema is the order of this struct.
#[derive(Serialize)]
struct Document {
    /// Always [`SCHEMA_VERSION`].
    schema_version: u32,
    /// As in [`Snapshot`].
    taken_at_unix_ms: u64,
    /// As in [`Snapshot`].
    pid: u32,
    /// As in [`Snapshot`], the message and location bounded.
    reason: Reason,
    /// As in [`Snapshot`].
    policy: Policy,
    /// As in [`Snapshot`], bounded like the text dump's backtrace section.
    backtrace: Option<String>,
    /// Sorted by index, thread names bounded.
    workers: Vec<WorkerInfo>,
    /// Sorted by id, names, paths and trace lines bounded.
    tasks: Vec<TaskInfo>,
    /// [`Snapshot::totals`].
    totals: Totals,
}

/// The snapshot as a JSON value (see the crate docs for the schema).
pub fn to_json_value(snapshot: &Snapshot) -> Value {
    serde_json::to_value(Document::new(snapshot)).unwrap_or_else(|err| failed(&err))
}

/// The snapshot as pretty-printed JSON, without a final newline.
///
/// Besides what JSON requires, the chars that the text dump escapes (DEL, C1 controls, bidi
/// controls, line separators, invisible chars) are written as `\u` escapes: the same strings
/// to a parser, but a person who `cat`s the file sees exactly what is there.
pub fn json(snapshot: &Snapshot) -> String {
    let text = serde_json::to_string_pretty(&Document::new(snapshot))
        .unwrap_or_else(|err| failed(&err).to_string());
    escape_hidden(&text)
}

/// What is written if serialization fails. It cannot with these types (no maps, no fallible
/// `Serialize`), but a dump path must not panic, so the failure is reported as data.
fn failed(err: &serde_json::Error) -> Value {
    serde_json::json!({ "schema_version": SCHEMA_VERSION, "error": err.to_string() })
}

impl Document {
    fn new(snapshot: &Snapshot) -> Self {
        let mut workers: Vec<WorkerInfo> = snapshot.workers.iter().map(bound_worker).collect();
        workers.sort_by_key(|worker| worker.index);
        let mut tasks: Vec<TaskInfo> = snapshot.tasks.iter().map(bound_task).collect();
        tasks.sort_by_key(|task| task.id);
        Document {
            schema_version: SCHEMA_VERSION,
            taken_at_unix_ms: snapshot.taken_at_unix_ms,
            pid: snapshot.pid,
            reason: bound_reason(&snapshot.reason),
            policy: snapshot.policy,
            backtrace: snapshot.backtrace.as_deref().map(bound_backtrace),
            workers,
            tasks,
            totals: snapshot.totals(),
        }
    }
}

fn bound_reason(reason: &Reason) -> Reason {
    match reason {
        Reason::Live => Reason::Live,
        Reason::Fatal {
            message,
            location,
            task,
        } => Reason::Fatal {
            message: bound(message, MESSAGE_LIMIT).into_owned(),
            location: location
                .as_deref()
                .map(|l| bound(l, LINE_LIMIT).into_owned()),
            task: *task,
        },
        Reason::Signal { name } => Reason::Signal {
            name: bound(name, NAME_LIMIT).into_owned(),
        },
    }
}

fn bound_worker(worker: &WorkerInfo) -> WorkerInfo {
    WorkerInfo {
        thread_name: bound(&worker.thread_name, NAME_LIMIT).into_owned(),
        ..worker.clone()
    }
}

fn bound_task(task: &TaskInfo) -> TaskInfo {
    let mut task = task.clone();
    if let Some(name) = &mut task.name {
        *name = bound(name, NAME_LIMIT).into_owned();
    }
    if let Some(site) = &mut task.spawned_at {
        site.file = bound(&site.file, LINE_LIMIT).into_owned();
    }
    if let Some(trace) = &mut task.trace {
        let (kept, omitted) = bound_lines(trace);
        let mut lines: Vec<String> = kept
            .iter()
            .map(|l| bound(l, LINE_LIMIT).into_owned())
            .collect();
        if omitted > 0 {
            lines.push(lines_marker(omitted));
        }
        *trace = lines;
    }
    task
}

/// Keeps the lines the text dump would keep (each bounded, at most `LINES_LIMIT`), so both
/// dumps carry the same information.
fn bound_backtrace(backtrace: &str) -> String {
    let lines = backtrace_lines(backtrace);
    let (kept, omitted) = bound_lines(&lines);
    let mut kept: Vec<String> = kept
        .iter()
        .map(|l| bound(l, LINE_LIMIT).into_owned())
        .collect();
    if omitted > 0 {
        kept.push(lines_marker(omitted));
    }
    kept.join("\n")
}

/// Writes the hidden chars that JSON allows raw as `\u` escapes (UTF-16 units, as JSON wants).
/// C0 controls never reach here raw inside strings (serde_json escapes them), and the only raw
/// control outside strings is the pretty printer's `\n`, which is kept.
fn escape_hidden(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_hidden(c) && u32::from(c) >= 0x7f {
            let mut units = [0; 2];
            for unit in c.encode_utf16(&mut units) {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_hidden;

    #[test]
    fn hidden_chars_become_json_escapes() {
        assert_eq!(
            escape_hidden("\"a\u{202e}b\u{7f}\u{9b}\""),
            r#""a\u202eb\u007f\u009b""#
        );
        assert_eq!(escape_hidden("\"\u{e0041}\""), r#""\udb40\udc41""#);
        assert_eq!(escape_hidden("{\n  \"é\"\n}"), "{\n  \"é\"\n}");
    }
}
