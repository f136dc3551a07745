//! What an async task looks like from outside, and how every task of a runtime is dumped.
//!
//! `introspect` is the runtime-independent half of the executor's Go-style task dumps. It holds
//! a plain data model, a [`Snapshot`] of [`TaskInfo`]s and [`WorkerInfo`]s that a runtime fills
//! in, and the renderers for it in [`render`]: a text dump for people (printed on a fatal error
//! or on `SIGQUIT`, or on request for a live runtime) and a JSON document for tools. It knows
//! nothing about schedulers, so the renderers are tested on hand-built snapshots and any
//! runtime can use them.
//!
//! Rendering never panics, never blocks and takes no lock: it only reads the snapshot it is
//! given. Every piece of user text (task and thread names, the fatal message, trace and
//! backtrace lines, paths) is bounded and escaped (see [`escape()`]), so a task name can never
//! forge, hide, overwrite or reorder a line of a dump.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use introspect::render::{self, Detail, TextOptions};
//! use introspect::{Policy, Reason, Snapshot, SpawnSite, TaskId, TaskInfo, TaskState};
//!
//! let task = TaskInfo {
//!     id: TaskId(7),
//!     name: Some("accept-loop".to_owned()),
//!     state: TaskState::Idle,
//!     skipped: false,
//!     spawned_at: Some(SpawnSite { file: "src/main.rs".to_owned(), line: 14, column: 9 }),
//!     parent: Some(TaskId(1)),
//!     polls: 3,
//!     busy: Duration::from_micros(310),
//!     idle: Duration::from_millis(2_100),
//!     running_for: None,
//!     wakes: 3,
//!     self_wakes: 0,
//!     worker: Some(0),
//!     trace: Some(vec!["server::accept_loop at src/server.rs:40:22".to_owned()]),
//!     fatal: false,
//! };
//! let snapshot = Snapshot {
//!     taken_at_unix_ms: 1_714_566_896_789,
//!     pid: 4242,
//!     reason: Reason::Live,
//!     policy: Policy::Freeze,
//!     backtrace: None,
//!     workers: Vec::new(),
//!     tasks: vec![task],
//! };
//!
//! let text = render::text(&snapshot, &TextOptions { detail: Detail::AllTasks });
//! assert!(text.starts_with("live snapshot\n"));
//! assert!(text.contains("task 7 \"accept-loop\" [idle, 2.10s]:\n"));
//! assert!(text.contains("    spawned at src/main.rs:14:9 by task 1\n"));
//! assert!(text.ends_with("1 task: 1 idle · 0 workers\n"));
//! assert_eq!(text, snapshot.to_string()); // `Display` renders every task.
//!
//! let json = render::to_json_value(&snapshot);
//! assert_eq!(json["schema_version"], 1);
//! assert_eq!(json["tasks"][0]["idle"], 2_100_000_000u64);
//! assert_eq!(json["totals"]["idle"], 1);
//! ```
//!
//! # JSON schema, `schema_version` 1
//!
//! [`render::json`] and [`render::to_json_value`] produce one object. Fields may be added in a
//! later version without changing `schema_version` (readers should ignore fields they do not
//! know); removing, renaming or changing the meaning of a field bumps it.
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "taken_at_unix_ms": u64,            // milliseconds since the Unix epoch
//!   "pid": u32,
//!   "reason": {"kind": "live"}
//!           | {"kind": "fatal", "message": str, "location": str | null, "task": id | null}
//!           | {"kind": "signal", "name": str},        // e.g. "SIGQUIT"
//!   "policy": "freeze" | "no_freeze",
//!   "backtrace": str | null,            // the fatal thread's, lines joined by "\n"
//!   "workers": [{                       // sorted by index
//!     "index": usize,
//!     "thread_name": str,
//!     "state": {"kind": "running", "task": id} | {"kind": "searching"} | {"kind": "parked"}
//!            | {"kind": "stopped"} | {"kind": "exited"},
//!     "ticks": u64,                     // tasks picked so far
//!     "local_queue_len": usize
//!   }],
//!   "tasks": [{                         // sorted by id; each live task exactly once
//!     "id": id,                         // u64, unique in the process, never reused
//!     "name": str | null,
//!     "state": {"kind": "scheduled"} | {"kind": "running", "worker": usize | null}
//!            | {"kind": "idle"} | {"kind": "completed"},   // worker null: a block_on thread
//!     "skipped": bool,                  // running and not read: no trace (only with running)
//!     "spawned_at": {"file": str, "line": u32, "column": u32} | null,
//!     "parent": id | null,
//!     "polls": u64,
//!     "busy": ns,                       // total time inside poll
//!     "idle": ns,                       // since the last poll ended, or since scheduled
//!     "running_for": ns | null,         // running: time inside the current poll
//!     "wakes": u64,
//!     "self_wakes": u64,
//!     "worker": usize | null,           // running on, or last ran on
//!     "trace": [str] | null,            // await trace, innermost last; null: not captured
//!     "fatal": bool                     // raised the fatal error
//!   }],
//!   "totals": {                         // computed from tasks and workers (Snapshot::totals)
//!     "tasks": usize, "idle": usize, "scheduled": usize, "running": usize,
//!     "skipped": usize, "completed": usize,
//!     "workers": usize, "workers_stopped": usize, "workers_running": usize,
//!     "workers_idle": usize             // parked or searching; exited workers are in no count
//!   }
//! }
//! ```
//!
//! - Durations (`ns`) are integers of nanoseconds, saturating at `u64::MAX`.
//! - Strings are raw, not escaped the way the text dump escapes them, but bounded like it:
//!   names (task, thread, signal) at [`NAME_LIMIT`] chars, the message at [`MESSAGE_LIMIT`],
//!   locations, paths and each trace or backtrace line at [`LINE_LIMIT`], followed by
//!   `…(+N bytes)` when cut; traces and backtraces keep at most [`LINES_LIMIT`] lines, followed
//!   by a `…(+N lines)` line when cut; the backtrace loses its blank lines.
//! - [`render::json`] writes control chars, bidi controls, line separators and invisible chars
//!   as `\u` escapes, so the file shows them when printed; parsed, the strings are unchanged.

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![forbid(unsafe_code)]

mod duration;
mod duration_serde;
mod escape;
mod model;
pub mod render;
mod totals;

pub use duration::HumanDuration;
pub use escape::{
    bound, escape, is_hidden, quote, LINES_LIMIT, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT,
};
pub use model::{
    Policy, Reason, Snapshot, SpawnSite, TaskId, TaskInfo, TaskState, Totals, WorkerInfo,
    WorkerState,
};
