//! The top of the JSON document, and the shapes every part of it shares (locations, frames).

use super::resource::{DeadlockDoc, ResourceDoc};
use super::task::TaskDoc;
use super::SCHEMA_VERSION;
use crate::escape::{bound, bound_lines, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT};
use crate::model::{Frame, Reason, Snapshot, SourceLocation, Totals, WorkerInfo, WorkerState};
use crate::render::labels;
use serde::Serialize;
use std::borrow::Cow;

/// The JSON document, field by field in schema order.
#[derive(Serialize)]
pub(super) struct Document<'a> {
    schema_version: u32,
    taken_at_unix_ms: u64,
    pid: u32,
    reason: ReasonDoc<'a>,
    policy: &'static str,
    /// Innermost first.
    backtrace: Option<Vec<FrameDoc<'a>>>,
    notes: Vec<Cow<'a, str>>,
    /// Sorted by index.
    workers: Vec<WorkerDoc<'a>>,
    /// Sorted by id.
    tasks: Vec<TaskDoc<'a>>,
    /// Sorted by id.
    resources: Vec<ResourceDoc<'a>>,
    deadlocks: Vec<DeadlockDoc>,
    totals: TotalsDoc,
}

impl<'a> Document<'a> {
    pub(super) fn new(snapshot: &'a Snapshot) -> Self {
        let mut workers: Vec<&WorkerInfo> = snapshot.workers.iter().collect();
        workers.sort_by_key(|worker| worker.index);
        let mut tasks: Vec<_> = snapshot.tasks.iter().collect();
        tasks.sort_by_key(|task| task.id);
        let mut resources: Vec<_> = snapshot.resources.iter().collect();
        resources.sort_by_key(|resource| resource.id);
        let deadlocks = snapshot.deadlocks();
        let totals = Totals {
            deadlocks: deadlocks.len(),
            ..snapshot.state_counts()
        };
        let (notes, omitted) = bound_lines(&snapshot.notes);
        let mut notes: Vec<Cow<'a, str>> =
            notes.iter().map(|note| bound(note, LINE_LIMIT)).collect();
        if omitted > 0 {
            notes.push(Cow::Owned(crate::escape::lines_marker(omitted)));
        }
        Document {
            schema_version: SCHEMA_VERSION,
            taken_at_unix_ms: snapshot.taken_at_unix_ms,
            pid: snapshot.pid,
            reason: ReasonDoc::new(&snapshot.reason),
            policy: labels::policy(snapshot.policy),
            backtrace: snapshot.backtrace.as_deref().map(frames),
            notes,
            workers: workers.into_iter().map(WorkerDoc::new).collect(),
            tasks: tasks
                .into_iter()
                .map(|task| TaskDoc::new(snapshot, task))
                .collect(),
            resources: resources.into_iter().map(ResourceDoc::new).collect(),
            deadlocks: deadlocks.iter().map(DeadlockDoc::new).collect(),
            totals: TotalsDoc::new(&totals),
        }
    }
}

/// `reason`: `{"kind": ...}` and the fields of that kind.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ReasonDoc<'a> {
    Live,
    Fatal {
        message: Cow<'a, str>,
        location: Option<LocationDoc<'a>>,
        task: Option<u64>,
    },
    Signal {
        name: Cow<'a, str>,
    },
}

impl<'a> ReasonDoc<'a> {
    fn new(reason: &'a Reason) -> Self {
        match reason {
            Reason::Live => ReasonDoc::Live,
            Reason::Fatal {
                message,
                location,
                task,
            } => ReasonDoc::Fatal {
                message: bound(message, MESSAGE_LIMIT),
                location: location.as_ref().map(LocationDoc::new),
                task: task.map(|id| id.0),
            },
            Reason::Signal { name } => ReasonDoc::Signal {
                name: bound(name, NAME_LIMIT),
            },
        }
    }
}

/// One of `workers`: the state as a plain string, the polled task beside it.
#[derive(Serialize)]
struct WorkerDoc<'a> {
    index: usize,
    thread_name: Cow<'a, str>,
    state: &'static str,
    /// The task it polls, when running.
    task: Option<u64>,
    ticks: u64,
    local_queue_len: usize,
}

impl<'a> WorkerDoc<'a> {
    fn new(worker: &'a WorkerInfo) -> Self {
        let (state, task) = match worker.state {
            WorkerState::Running { task } => ("running", Some(task.0)),
            WorkerState::Searching => ("searching", None),
            WorkerState::Parked => ("parked", None),
            WorkerState::Stopped => ("stopped", None),
            WorkerState::Exited => ("exited", None),
        };
        WorkerDoc {
            index: worker.index,
            thread_name: bound(&worker.thread_name, NAME_LIMIT),
            state,
            task,
            ticks: worker.ticks,
            local_queue_len: worker.local_queue_len,
        }
    }
}

/// [`Totals`], in schema order.
#[derive(Serialize)]
struct TotalsDoc {
    tasks: usize,
    idle: usize,
    scheduled: usize,
    running: usize,
    skipped: usize,
    completed: usize,
    panicked: usize,
    workers: usize,
    workers_stopped: usize,
    workers_running: usize,
    workers_idle: usize,
    deadlocks: usize,
}

impl TotalsDoc {
    fn new(totals: &Totals) -> Self {
        TotalsDoc {
            tasks: totals.tasks,
            idle: totals.idle,
            scheduled: totals.scheduled,
            running: totals.running,
            skipped: totals.skipped,
            completed: totals.completed,
            panicked: totals.panicked,
            workers: totals.workers,
            workers_stopped: totals.workers_stopped,
            workers_running: totals.workers_running,
            workers_idle: totals.workers_idle,
            deadlocks: totals.deadlocks,
        }
    }
}

/// `{"file": str, "line": u32, "column": u32}`.
#[derive(Serialize)]
pub(super) struct LocationDoc<'a> {
    file: Cow<'a, str>,
    line: u32,
    column: u32,
}

impl<'a> LocationDoc<'a> {
    pub(super) fn new(location: &'a SourceLocation) -> Self {
        LocationDoc {
            file: bound(&location.file, LINE_LIMIT),
            line: location.line,
            column: location.column,
        }
    }
}

/// `{"function": str, "file": str|null, "line": u32|null, "column": u32|null, "runtime": bool}`.
#[derive(Serialize)]
pub(super) struct FrameDoc<'a> {
    function: Cow<'a, str>,
    file: Option<Cow<'a, str>>,
    line: Option<u32>,
    column: Option<u32>,
    runtime: bool,
}

/// A frame list, bounded like the text dump bounds it: at most
/// [`LINES_LIMIT`](crate::LINES_LIMIT) frames, then one marker frame whose function is
/// `…(+N frames)`, with no location, not a runtime frame.
pub(super) fn frames(frames: &[Frame]) -> Vec<FrameDoc<'_>> {
    let (kept, omitted) = bound_lines(frames);
    let mut out: Vec<FrameDoc<'_>> = kept
        .iter()
        .map(|frame| FrameDoc {
            function: bound(&frame.function, LINE_LIMIT),
            file: frame.file.as_deref().map(|file| bound(file, LINE_LIMIT)),
            line: frame.line,
            column: frame.column,
            runtime: frame.runtime,
        })
        .collect();
    if omitted > 0 {
        out.push(FrameDoc {
            function: Cow::Owned(format!("…(+{omitted} frames)")),
            file: None,
            line: None,
            column: None,
            runtime: false,
        });
    }
    out
}
