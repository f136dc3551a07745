//! One task of the JSON document.
//!
//! The fields that depend on the state are normalised the way the text dump reads them, so the
//! two never disagree: `worker` and `block_on_thread` only for a task inside a poll (running or
//! panicked), `skipped` only for a running task, `idle_ns` null and `running_for_ns` set only
//! inside a poll, `fatal` for the task flagged fatal or named by the fatal reason.

use super::document::{frames, FrameDoc, LocationDoc};
use super::nanos;
use crate::escape::{bound, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT};
use crate::model::{PanicInfo, Poller, Snapshot, Stack, TaskInfo, Trace, Wait, WakerCheck};
use crate::render::labels;
use serde::Serialize;
use std::borrow::Cow;

/// A task, field by field in schema order.
#[derive(Serialize)]
pub(super) struct TaskDoc<'a> {
    id: u64,
    name: Option<Cow<'a, str>>,
    state: &'static str,
    worker: Option<usize>,
    block_on_thread: bool,
    last_worker: Option<usize>,
    skipped: bool,
    spawned_at: Option<LocationDoc<'a>>,
    parent: Option<u64>,
    polls: u64,
    busy_ns: u64,
    idle_ns: Option<u64>,
    running_for_ns: Option<u64>,
    wakes: u64,
    self_wakes: u64,
    longest_poll_ns: Option<u64>,
    longest_poll_ago_ns: Option<u64>,
    wait: Option<WaitDoc<'a>>,
    /// `wait.task`, for tools that only want the join edge.
    waits_for: Option<u64>,
    trace: Option<TraceDoc<'a>>,
    /// The trace was captured and the waker check is not `kept`.
    lost_wakeup: bool,
    stack: Option<StackDoc<'a>>,
    panic: Option<PanicDoc<'a>>,
    fatal: bool,
}

impl<'a> TaskDoc<'a> {
    pub(super) fn new(snapshot: &Snapshot, task: &'a TaskInfo) -> Self {
        let poller = task.current_poller();
        let lost_wakeup = matches!(
            task.trace,
            Some(Trace::Captured { waker, .. }) if waker != WakerCheck::Kept
        );
        TaskDoc {
            id: task.id.0,
            name: task.name.as_deref().map(|name| bound(name, NAME_LIMIT)),
            state: labels::state_word(task.state),
            worker: match poller {
                Some(Poller::Worker(index)) => Some(index),
                _ => None,
            },
            block_on_thread: poller == Some(Poller::BlockOn),
            last_worker: task.last_worker,
            skipped: task.is_skipped(),
            spawned_at: task.spawned_at.as_ref().map(LocationDoc::new),
            parent: task.parent.map(|id| id.0),
            polls: task.polls,
            busy_ns: nanos(task.busy),
            idle_ns: task.idle_time().map(nanos),
            running_for_ns: task.current_poll_time().map(nanos),
            wakes: task.wakes,
            self_wakes: task.self_wakes,
            longest_poll_ns: task.longest_poll.map(|longest| nanos(longest.duration)),
            longest_poll_ago_ns: task.longest_poll.map(|longest| nanos(longest.ago)),
            wait: task.wait.as_ref().map(WaitDoc::new),
            waits_for: task.wait.as_ref().and_then(|wait| wait.task).map(|id| id.0),
            trace: task.trace.as_ref().map(TraceDoc::new),
            lost_wakeup,
            stack: task.stack.as_ref().map(StackDoc::new),
            panic: task.panic.as_ref().map(PanicDoc::new),
            fatal: snapshot.is_fatal_task(task),
        }
    }
}

/// `wait`, its duration in nanoseconds.
#[derive(Serialize)]
struct WaitDoc<'a> {
    what: Cow<'a, str>,
    resource: Option<u64>,
    task: Option<u64>,
    waited_ns: u64,
    among_others: bool,
}

impl<'a> WaitDoc<'a> {
    fn new(wait: &'a Wait) -> Self {
        WaitDoc {
            what: bound(&wait.what, LINE_LIMIT),
            resource: wait.resource.map(|id| id.0),
            task: wait.task.map(|id| id.0),
            waited_ns: nanos(wait.waited),
            among_others: wait.among_others,
        }
    }
}

/// `trace`: captured or unavailable.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TraceDoc<'a> {
    Captured {
        /// Outermost first.
        frames: Vec<FrameDoc<'a>>,
        leaf: Option<Cow<'a, str>>,
        waker: &'static str,
    },
    Unavailable {
        reason: Cow<'a, str>,
    },
}

impl<'a> TraceDoc<'a> {
    fn new(trace: &'a Trace) -> Self {
        match trace {
            Trace::Captured {
                frames: list,
                leaf,
                waker,
            } => TraceDoc::Captured {
                frames: frames(list),
                leaf: leaf.as_deref().map(|leaf| bound(leaf, LINE_LIMIT)),
                waker: match waker {
                    WakerCheck::Kept => "kept",
                    WakerCheck::NoWaker => "no_waker",
                    WakerCheck::ReadyNotWoken => "ready_not_woken",
                },
            },
            Trace::Unavailable { reason } => TraceDoc::Unavailable {
                reason: bound(reason, LINE_LIMIT),
            },
        }
    }
}

/// `stack`: captured or unavailable.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum StackDoc<'a> {
    Captured {
        /// Innermost first.
        frames: Vec<FrameDoc<'a>>,
    },
    Unavailable {
        reason: Cow<'a, str>,
    },
}

impl<'a> StackDoc<'a> {
    fn new(stack: &'a Stack) -> Self {
        match stack {
            Stack::Captured { frames: list } => StackDoc::Captured {
                frames: frames(list),
            },
            Stack::Unavailable { reason } => StackDoc::Unavailable {
                reason: bound(reason, LINE_LIMIT),
            },
        }
    }
}

/// `panic`.
#[derive(Serialize)]
struct PanicDoc<'a> {
    message: Cow<'a, str>,
    location: Option<LocationDoc<'a>>,
}

impl<'a> PanicDoc<'a> {
    fn new(panic: &'a PanicInfo) -> Self {
        PanicDoc {
            message: bound(&panic.message, MESSAGE_LIMIT),
            location: panic.location.as_ref().map(LocationDoc::new),
        }
    }
}
