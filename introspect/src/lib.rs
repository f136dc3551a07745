//! What an async task looks like from outside, and how every task of a runtime is dumped.
//!
//! `introspect` is the runtime-independent half of the executor's Go-style task dumps. It holds
//! a plain data model, a [`Snapshot`] of [`TaskInfo`]s, [`WorkerInfo`]s and [`ResourceInfo`]s
//! that a runtime fills in, the wait-for graph that finds [`deadlocks`] in it, and the
//! renderers in [`render`]: a text dump for people (printed on a fatal error or on `SIGQUIT`,
//! or on request for a live runtime) and a JSON document for tools. It knows nothing about
//! schedulers, so everything is tested on hand-built snapshots and any runtime can use it.
//!
//! Rendering never panics, never blocks and takes no lock: it only reads the snapshot it is
//! given. Every piece of user text (task and thread names, messages, function names, paths,
//! wait texts, notes) is bounded and escaped (see [`escape()`]), so a task name can never
//! forge, hide, overwrite or reorder a line of a dump. Alike tasks are grouped (see
//! [`render::TextOptions::group`]), so a dump of 100,000 connection tasks stays readable.
//!
//! # Example
//!
//! Two tasks in a deadlock: task 2 waits for a mutex that task 3 holds, and task 3 joins
//! task 2.
//!
//! ```
//! use std::time::Duration;
//! use introspect::render::{self, TextOptions};
//! use introspect::{
//!     Frame, Holder, Policy, Reason, ResourceId, ResourceInfo, ResourceKind, Snapshot,
//!     SourceLocation, TaskId, TaskInfo, TaskState, Trace, Wait, WakerCheck,
//! };
//!
//! let at = |file: &str, line| SourceLocation { file: file.to_owned().into(), line, column: 5 };
//! let flush = TaskInfo {
//!     id: TaskId(2),
//!     name: Some("flush".to_owned()),
//!     state: TaskState::Idle,
//!     poller: None,
//!     last_worker: Some(1),
//!     skipped: false,
//!     spawned_at: Some(at("src/main.rs", 30)),
//!     parent: Some(TaskId(1)),
//!     polls: 3,
//!     busy: Duration::from_micros(310),
//!     idle: Duration::from_millis(2_100),
//!     running_for: None,
//!     wakes: 3,
//!     self_wakes: 0,
//!     longest_poll: None,
//!     wait: Some(Wait {
//!         what: "mutex #4 lock".to_owned(),
//!         resource: Some(ResourceId(4)),
//!         task: None,
//!         waited: Duration::from_millis(2_100),
//!         among_others: false,
//!     }),
//!     trace: Some(Trace::Captured {
//!         frames: vec![Frame {
//!             function: "ledger::flush::{{closure}}".to_owned(),
//!             file: Some("src/ledger.rs".to_owned()),
//!             line: Some(41),
//!             column: Some(32),
//!             runtime: false,
//!         }],
//!         leaf: Some("<executor::sync::MutexLock as Future>::poll".to_owned()),
//!         waker: WakerCheck::Kept,
//!     }),
//!     stack: None,
//!     panic: None,
//!     fatal: false,
//! };
//! let settle = TaskInfo {
//!     id: TaskId(3),
//!     name: Some("settle".to_owned()),
//!     wait: Some(Wait {
//!         what: "join task 2".to_owned(),
//!         resource: None,
//!         task: Some(TaskId(2)),
//!         waited: Duration::from_secs(2),
//!         among_others: false,
//!     }),
//!     trace: None,
//!     ..flush.clone()
//! };
//! let snapshot = Snapshot {
//!     taken_at_unix_ms: 1_714_566_896_789,
//!     pid: 4242,
//!     reason: Reason::Signal { name: "SIGQUIT".to_owned() },
//!     policy: Policy::Freeze,
//!     backtrace: None,
//!     workers: Vec::new(),
//!     tasks: vec![flush, settle],
//!     resources: vec![ResourceInfo {
//!         id: ResourceId(4),
//!         kind: ResourceKind::Mutex,
//!         created_at: Some(at("src/ledger.rs", 10)),
//!         holders: vec![Holder { task: TaskId(3), held_for: Duration::from_secs(2), mode: None }],
//!         waiters: Vec::new(),
//!         detail: Some("locked".to_owned()),
//!     }],
//!     notes: Vec::new(),
//! };
//!
//! let text = render::text(&snapshot, &TextOptions::default());
//! assert!(text.starts_with("SIGQUIT received: dumping all tasks\n"));
//! assert!(text.contains(
//!     "\ndeadlock: task 2 waits for mutex #4 held by task 3; task 3 waits for task 2 (join)\n"
//! ));
//! assert!(text.contains("\ntask 2 \"flush\" [idle, 2.10s, mutex #4 lock]:\n"));
//! assert!(text.contains("\n    at src/ledger.rs:41:32 in ledger::flush\n"));
//! assert!(text.contains("\n    waits for mutex #4 held by task 3\n"));
//! assert!(text.ends_with("2 tasks: 2 idle · 0 workers · 1 deadlock\n"));
//! assert_eq!(text, snapshot.to_string()); // `Display` renders every task, grouped.
//!
//! let json = render::to_json_value(&snapshot);
//! assert_eq!(json["schema_version"], 2);
//! assert_eq!(json["tasks"][0]["idle_ns"], 2_100_000_000u64);
//! assert_eq!(json["tasks"][1]["waits_for"], 2);
//! assert_eq!(json["deadlocks"][0]["edges"][0]["via"]["resource_kind"], "mutex");
//! assert_eq!(json["totals"]["deadlocks"], 1);
//! ```
//!
//! # JSON schema, `schema_version` 2
//!
//! [`render::json`] and [`render::to_json_value`] produce one object, fields in this order.
//! Fields may be added in a later version without changing `schema_version` (readers should
//! ignore fields they do not know); removing, renaming or changing the meaning of a field bumps
//! it. Version 2 changed from 1: every duration names its unit (`busy_ns`), states and worker
//! states are plain strings, locations and frames are objects, the backtrace is a list of
//! frames, and `notes`, `resources`, `deadlocks` and the task fields from `last_worker` to
//! `panic` are new.
//!
//! ```text
//! {
//!   "schema_version": 2,
//!   "taken_at_unix_ms": u64,            // milliseconds since the Unix epoch
//!   "pid": u32,
//!   "reason": {"kind": "live"}
//!           | {"kind": "fatal", "message": str, "location": location | null, "task": id | null}
//!           | {"kind": "signal", "name": str},        // e.g. "SIGQUIT"
//!   "policy": "freeze" | "no_freeze",
//!   "backtrace": [frame] | null,        // the fatal thread's, innermost first
//!   "notes": [str],                     // what the runtime could not do, one line each
//!   "workers": [{                       // sorted by index
//!     "index": usize,
//!     "thread_name": str,
//!     "state": "running" | "searching" | "parked" | "stopped" | "exited",
//!     "task": id | null,                // the task it polls, when running
//!     "ticks": u64,                     // tasks picked so far
//!     "local_queue_len": usize          // its run queue plus its next-task slot
//!   }],
//!   "tasks": [{                         // sorted by id; every task, whatever the text shows
//!     "id": id,                         // u64, unique in the process, never reused
//!     "name": str | null,
//!     "state": "scheduled" | "running" | "idle" | "completed" | "panicked",
//!     "worker": usize | null,           // the worker polling it now (running or panicked)
//!     "block_on_thread": bool,          // polled now by a block_on thread
//!     "last_worker": usize | null,      // the last worker that polled it
//!     "skipped": bool,                  // running, and the dump could not look inside
//!     "spawned_at": location | null,
//!     "parent": id | null,
//!     "polls": u64,                     // the one in progress included
//!     "busy_ns": u64,                   // total time inside poll
//!     "idle_ns": u64 | null,            // since the last poll ended; null when in a poll
//!     "running_for_ns": u64 | null,     // inside the current poll; null when not in one
//!     "wakes": u64,
//!     "self_wakes": u64,
//!     "longest_poll_ns": u64 | null,    // the slowest poll so far
//!     "longest_poll_ago_ns": u64 | null,// how long ago it ended
//!     "wait": {"what": str, "resource": u64 | null, "task": id | null, "waited_ns": u64,
//!              "among_others": bool}    // true: its last poll also waited on unrecorded things
//!           | null,                     // what it waits on, when the runtime knows
//!     "waits_for": id | null,           // = wait.task, for tools that only want join edges
//!     "trace": {"kind": "captured", "frames": [frame], "leaf": str | null,
//!               "waker": "kept" | "no_waker" | "ready_not_woken"}
//!            | {"kind": "unavailable", "reason": str}
//!            | null,                    // the await trace, outermost first; null: not tried
//!     "lost_wakeup": bool,              // trace captured and waker is not "kept"
//!     "stack": {"kind": "captured", "frames": [frame]}
//!            | {"kind": "unavailable", "reason": str}
//!            | null,                    // the polling thread's stack, innermost first
//!     "panic": {"message": str, "location": location | null} | null,
//!     "fatal": bool                     // raised the fatal error
//!   }],
//!   "resources": [{                     // sorted by id
//!     "id": u64,
//!     "kind": "mutex" | "rwlock" | "semaphore" | "notify" | "oneshot" | "mpsc" | "watch"
//!           | "barrier",
//!     "created_at": location | null,
//!     "holders": [{"task": id, "held_ns": u64, "mode": str | null}],
//!     "waiters": [{"task": id, "op": str, "waited_ns": u64}],
//!     "detail": str | null              // e.g. "0 of 8 permits"
//!   }],
//!   "deadlocks": [{                     // as `Snapshot::deadlocks` finds them
//!     "edges": [{"from": id, "to": id,  // in cycle order, from the smallest id
//!                "via": {"kind": "join"}
//!                     | {"kind": "resource", "resource": u64, "resource_kind": str}}]
//!   }],
//!   "totals": {                         // computed from the rest (Snapshot::totals)
//!     "tasks": usize, "idle": usize, "scheduled": usize, "running": usize,
//!     "skipped": usize, "completed": usize, "panicked": usize,
//!     "workers": usize, "workers_stopped": usize, "workers_running": usize,
//!     "workers_idle": usize,            // parked or searching; exited workers are in no count
//!     "deadlocks": usize
//!   }
//! }
//! location = {"file": str, "line": u32, "column": u32}
//! frame    = {"function": str, "file": str | null, "line": u32 | null,
//!             "column": u32 | null, "runtime": bool}
//! ```
//!
//! - Durations (`_ns`) are integers of nanoseconds, saturating at `u64::MAX`.
//! - The JSON always lists every task, resource, deadlock and frame: grouping, frame folding
//!   and `EXECUTOR_TRACEBACK=single` only shape the text dump.
//! - State-dependent fields read as the text dump reads them: `worker`, `block_on_thread` and
//!   `running_for_ns` only for a task inside a poll, `skipped` only when running, `fatal` also
//!   for the task the fatal reason names.
//! - Strings are raw, not escaped the way the text dump escapes them, but bounded like it:
//!   names (task, thread, signal) and holder modes and waiter ops at [`NAME_LIMIT`] chars,
//!   messages (fatal, panic) at [`MESSAGE_LIMIT`], every other string (paths, function names,
//!   leaves, reasons, wait texts, details, notes) at [`LINE_LIMIT`], followed by
//!   `…(+N bytes)` when cut. Frame lists keep at most [`LINES_LIMIT`] frames, then one marker
//!   frame whose function is `…(+N frames)`; notes keep at most [`LINES_LIMIT`] lines, then a
//!   `…(+N lines)` note.
//! - [`render::json`] writes control chars, bidi controls, line separators and invisible chars
//!   as `\u` escapes, so the file shows them when printed; parsed, the strings are unchanged.

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![forbid(unsafe_code)]

mod duration;
mod escape;
mod graph;
mod model;
pub mod render;
mod totals;

pub use duration::HumanDuration;
pub use escape::{
    bound, escape, is_hidden, quote, task_label, LINES_LIMIT, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT,
};
pub use graph::{deadlocks, Deadlock, Edge, Via};
pub use model::{
    Frame, Holder, LongestPoll, PanicInfo, Policy, Poller, Reason, ResourceId, ResourceInfo,
    ResourceKind, Snapshot, SourceLocation, SpawnSite, Stack, TaskId, TaskInfo, TaskState, Totals,
    Trace, Wait, Waiter, WakerCheck, WorkerInfo, WorkerState,
};
