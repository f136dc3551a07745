//! The data model: what tasks, workers, resources and a whole runtime look like from outside.
//!
//! Every type here is plain data, built by a runtime (or by hand in tests) and rendered by
//! [`crate::render`]. Nothing here refers to a scheduler. None of it implements `Serialize`:
//! the JSON document of [`crate::render::json`] is the one serialized shape, with its field
//! names and units spelled out, so there is never a second, undocumented JSON form of a
//! snapshot.

mod frame;
mod resource;
mod task;
mod worker;

pub use frame::{Frame, SourceLocation, SpawnSite, Stack, Trace, WakerCheck};
pub use resource::{Holder, ResourceId, ResourceInfo, ResourceKind, Waiter};
pub use task::{LongestPoll, PanicInfo, Poller, TaskId, TaskInfo, TaskState, Wait};
pub use worker::{WorkerInfo, WorkerState};

/// Why a snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A live request (`Handle::snapshot`); nothing was stopped.
    Live,
    /// A fatal error: `executor::fatal`, a task panic under a fatal panic policy, a panic in main.
    Fatal {
        /// The message, unescaped.
        message: String,
        /// Where it was raised, if known.
        location: Option<SourceLocation>,
        /// The task that raised it, if any.
        task: Option<TaskId>,
    },
    /// A signal asked for a dump (`SIGQUIT`).
    Signal {
        /// The signal's name, e.g. `SIGQUIT`.
        name: String,
    },
}

/// The freeze policy in force when the snapshot was taken: it tells the reader whether the
/// tasks could still move while they were being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Every worker was asked to stop at its next scheduling point before the dump.
    Freeze,
    /// Nobody was stopped; workers park when they next pick a task.
    NoFreeze,
}

/// Counts that summarise a snapshot, computed by [`Snapshot::totals`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Totals {
    /// All tasks in the snapshot.
    pub tasks: usize,
    /// Tasks suspended, waiting for a wake.
    pub idle: usize,
    /// Tasks in a run queue.
    pub scheduled: usize,
    /// Tasks inside `poll`.
    pub running: usize,
    /// Running tasks the dump could not look inside.
    pub skipped: usize,
    /// Finished tasks whose output was not taken.
    pub completed: usize,
    /// Tasks whose poll panicked.
    pub panicked: usize,
    /// All workers.
    pub workers: usize,
    /// Workers stopped by the freeze.
    pub workers_stopped: usize,
    /// Workers inside a poll.
    pub workers_running: usize,
    /// Workers parked or searching. Exited workers are in `workers` but in no other count.
    pub workers_idle: usize,
    /// Wait-for cycles, as [`Snapshot::deadlocks`] reports them.
    pub deadlocks: usize,
}

/// Everything known about a runtime at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Milliseconds since the Unix epoch when the snapshot was taken.
    pub taken_at_unix_ms: u64,
    /// The process id.
    pub pid: u32,
    /// Why it was taken.
    pub reason: Reason,
    /// The freeze policy in force.
    pub policy: Policy,
    /// The fatal thread's backtrace, innermost first; `None` when none was captured.
    pub backtrace: Option<Vec<Frame>>,
    /// Every worker.
    pub workers: Vec<WorkerInfo>,
    /// Every live task, each exactly once.
    pub tasks: Vec<TaskInfo>,
    /// Every resource the runtime tracks.
    pub resources: Vec<ResourceInfo>,
    /// What the runtime could not do or wants the reader to know, one line each (unescaped):
    /// `2 registry shards stayed locked: their tasks are missing`. A dump says what it lacks
    /// rather than leaving the reader to guess.
    pub notes: Vec<String>,
}

impl Snapshot {
    /// `true` for the task that raised the fatal error: flagged by the runtime, or named by the
    /// reason (either is enough, so a runtime that fills only one is still rendered right, and
    /// the text and the JSON agree on it).
    pub(crate) fn is_fatal_task(&self, task: &TaskInfo) -> bool {
        task.fatal || matches!(self.reason, Reason::Fatal { task: Some(id), .. } if id == task.id)
    }
}
