//! The data model: what a task, a worker and a whole runtime look like from outside.
//!
//! Every type here is plain data, built by a runtime (or by hand in tests) and rendered by
//! [`crate::render`]. Nothing here refers to a scheduler.

use serde::Serialize;
use std::time::Duration;

/// A task's identity, unique within a process and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TaskId(pub u64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a task was spawned, as recorded by `#[track_caller]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpawnSite {
    /// Source file, as the compiler names it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// What a task is doing at the moment of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskState {
    /// In a run queue (or picked by a worker that stopped before running it).
    Scheduled,
    /// Inside `Future::poll` on the given worker (`None`: on a `block_on` thread).
    Running {
        /// Index of the worker polling it, if it is a worker.
        worker: Option<usize>,
    },
    /// Suspended, waiting for a wake.
    Idle,
    /// Finished; its output has not been taken yet.
    Completed,
}

/// One task, as seen from outside.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given at spawn (`main` for the main future of `#[executor::main]`), unescaped.
    pub name: Option<String>,
    /// What the task is doing.
    pub state: TaskState,
    /// `true` when the task was running and so its mutable state was not read (I4): the dump
    /// labels it `running, skipped`. Only meaningful with [`TaskState::Running`]; renderers
    /// ignore it for other states.
    pub skipped: bool,
    /// Where it was spawned.
    pub spawned_at: Option<SpawnSite>,
    /// The task that spawned it, if it was spawned from inside a task.
    pub parent: Option<TaskId>,
    /// How many times it has been polled.
    pub polls: u64,
    /// Total time spent inside `poll`.
    #[serde(with = "crate::duration_serde")]
    pub busy: Duration,
    /// Time since the last poll ended (idle), or since it was scheduled (scheduled).
    #[serde(with = "crate::duration_serde")]
    pub idle: Duration,
    /// For a running task: how long it has been inside its current poll.
    #[serde(with = "crate::duration_serde::option")]
    pub running_for: Option<Duration>,
    /// How many times it was woken.
    pub wakes: u64,
    /// How many of those wakes came from the task itself while it was being polled.
    pub self_wakes: u64,
    /// The worker it is running on or last ran on.
    pub worker: Option<usize>,
    /// Await trace, innermost last, when the runtime could read it; `None` when not captured.
    pub trace: Option<Vec<String>>,
    /// `true` for the task that hit the fatal error; the dump prints it first.
    pub fatal: bool,
}

/// What a worker thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkerState {
    /// Polling the given task.
    Running {
        /// The task being polled.
        task: TaskId,
    },
    /// Looking for work (its own queue, the injector, other workers).
    Searching,
    /// Parked, waiting to be woken.
    Parked,
    /// Stopped by the freeze; it will not run another task.
    Stopped,
    /// Exited (the runtime is shutting down).
    Exited,
}

/// One worker thread, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerInfo {
    /// Index of the worker within its runtime.
    pub index: usize,
    /// The thread's name.
    pub thread_name: String,
    /// What it is doing.
    pub state: WorkerState,
    /// Scheduling ticks (one per task picked).
    pub ticks: u64,
    /// Tasks waiting in its local queue.
    pub local_queue_len: usize,
}

/// Why a snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// A live request (`Handle::snapshot`); nothing was stopped.
    Live,
    /// A fatal error: `executor::fatal`, a task panic under a fatal panic policy, a panic in main.
    Fatal {
        /// The message, unescaped.
        message: String,
        /// `file:line:column` where it was raised, if known.
        location: Option<String>,
        /// The task that raised it, if any.
        task: Option<TaskId>,
    },
    /// A signal asked for a dump (`SIGQUIT`).
    Signal {
        /// The signal's name, e.g. `SIGQUIT`.
        name: String,
    },
}

/// The freeze policy in force when the snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Every worker was asked to stop at its next scheduling point before the dump.
    Freeze,
    /// Nobody was stopped; workers park when they next pick a task.
    NoFreeze,
}

/// Counts that summarise a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// All tasks in the snapshot.
    pub tasks: usize,
    /// Tasks suspended, waiting for a wake.
    pub idle: usize,
    /// Tasks in a run queue.
    pub scheduled: usize,
    /// Tasks inside `poll`.
    pub running: usize,
    /// Running tasks whose mutable state was not read.
    pub skipped: usize,
    /// Finished tasks whose output was not taken.
    pub completed: usize,
    /// All workers.
    pub workers: usize,
    /// Workers stopped by the freeze.
    pub workers_stopped: usize,
    /// Workers inside a poll.
    pub workers_running: usize,
    /// Workers parked or searching. Exited workers are in `workers` but in no other count.
    pub workers_idle: usize,
}

/// Everything known about a runtime at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Milliseconds since the Unix epoch when the snapshot was taken.
    pub taken_at_unix_ms: u64,
    /// The process id.
    pub pid: u32,
    /// Why it was taken.
    pub reason: Reason,
    /// The freeze policy in force.
    pub policy: Policy,
    /// The fatal thread's backtrace, already formatted, if one was captured.
    pub backtrace: Option<String>,
    /// Every worker.
    pub workers: Vec<WorkerInfo>,
    /// Every live task, each exactly once.
    pub tasks: Vec<TaskInfo>,
}
