//! One task, as seen from outside: its state, its counters, and what it waits on.

use super::frame::{SourceLocation, Stack, Trace};
use super::resource::ResourceId;
use std::fmt;
use std::time::Duration;

/// A task's identity, unique within a process and never reused, so a dump's ids can be matched
/// with log lines written long before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u64);

impl fmt::Display for TaskId {
    /// The bare number (`7`): the dump says `task 7` around it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a task is doing at the moment of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// In a run queue (or picked by a worker that stopped before running it).
    Scheduled,
    /// Inside `Future::poll`; [`TaskInfo::poller`] says on which thread.
    Running,
    /// Suspended, waiting for a wake.
    Idle,
    /// Finished; its output has not been taken yet.
    Completed,
    /// Its poll panicked; [`TaskInfo::panic`] says how.
    Panicked,
}

/// The thread a running (or panicking) task is being polled on, so the reader can find that
/// thread in the worker list or in a debugger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Poller {
    /// The worker with this index.
    Worker(usize),
    /// A thread inside `block_on` (the main future of `#[executor::main]`, for one).
    BlockOn,
}

/// One task, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given at spawn (`main` for the main future of `#[executor::main]`), unescaped.
    pub name: Option<String>,
    /// What the task is doing.
    pub state: TaskState,
    /// Some only when [`TaskState::Running`] or [`TaskState::Panicked`] (the panic happened
    /// inside a poll on it); renderers ignore it otherwise.
    pub poller: Option<Poller>,
    /// The last worker that polled it; `None` if never polled on a worker.
    pub last_worker: Option<usize>,
    /// Running, and the dump wanted to look inside (await trace) but could not because it was
    /// being polled (invariant I4). False in live snapshots (nothing is attempted there) and for
    /// the task that raised the fatal error (its stack is the fatal thread backtrace).
    /// Renderers ignore it for other states.
    pub skipped: bool,
    /// Where it was spawned.
    pub spawned_at: Option<SourceLocation>,
    /// The task that spawned it, if it was spawned from inside a task.
    pub parent: Option<TaskId>,
    /// Polls so far, the one in progress included.
    pub polls: u64,
    /// Time inside poll, the one in progress included.
    pub busy: Duration,
    /// Not running: time since its last poll ended (or since spawn). Zero when running.
    pub idle: Duration,
    /// Running or panicked: time inside the current poll.
    pub running_for: Option<Duration>,
    /// How many times it was woken.
    pub wakes: u64,
    /// How many of those wakes came from the task itself while it was being polled.
    pub self_wakes: u64,
    /// The slowest poll so far: a task that blocks its worker now and then shows it here long
    /// after the fact. The poll in progress counts, as in `polls` and `busy`: when it is the
    /// longest, `ago` is zero.
    pub longest_poll: Option<LongestPoll>,
    /// What the task waits on, when it waits on something the runtime knows (a runtime mutex, a
    /// timer, a `JoinHandle`, ...); the edges of the wait-for graph come from here.
    pub wait: Option<Wait>,
    /// The await trace (idle and scheduled tasks); `None` when not attempted.
    pub trace: Option<Trace>,
    /// The native stack of the thread polling it (running tasks); `None` when not attempted.
    pub stack: Option<Stack>,
    /// For a [`TaskState::Panicked`] task: the panic.
    pub panic: Option<PanicInfo>,
    /// Raised the fatal error; the dump prints it first.
    pub fatal: bool,
}

/// A task's slowest poll: how long, and how long ago it ended (a stall from an hour ago is a
/// different story from one a second ago).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LongestPoll {
    /// How long that poll took.
    pub duration: Duration,
    /// How long before the snapshot it ended.
    pub ago: Duration,
}

/// What a task waits on, as far as the runtime knows: the edges of the wait-for graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Wait {
    /// In words, as the block title shows it (unescaped): `mutex #4 lock`,
    /// `sleep (1.2s left)`, `semaphore #2 acquire (0 of 8 permits)`, `join task 9`.
    pub what: String,
    /// The runtime resource waited on, if any: an edge to its holders.
    pub resource: Option<ResourceId>,
    /// The task waited for (a `JoinHandle`): an edge to it.
    pub task: Option<TaskId>,
    /// How long it has been waiting.
    pub waited: Duration,
    /// The task's last poll also waited on other things (a `select!`, `join!` or `timeout`):
    /// `what` is one of them, the others are not recorded. The wait-for graph never counts
    /// such a task as stuck, since another branch may let it go on.
    pub among_others: bool,
}

impl Wait {
    /// `what`, marked when it is [`among_others`](Wait::among_others): what titles show.
    pub fn describe(&self) -> std::borrow::Cow<'_, str> {
        if self.among_others {
            format!("{} (among other waits)", self.what).into()
        } else {
            self.what.as_str().into()
        }
    }
}

/// A panic inside a task's poll.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanicInfo {
    /// The panic message (unescaped).
    pub message: String,
    /// Where it panicked, if known.
    pub location: Option<SourceLocation>,
}

impl TaskInfo {
    /// `true` while the task is inside a poll: running, or panicked during one.
    pub(crate) fn in_poll(&self) -> bool {
        matches!(self.state, TaskState::Running | TaskState::Panicked)
    }

    /// The thread polling it now; `None` unless it is inside a poll, whatever `poller` says, so
    /// that the table, the blocks, the worker list and the JSON all agree.
    pub(crate) fn current_poller(&self) -> Option<Poller> {
        self.poller.filter(|_| self.in_poll())
    }

    /// `skipped`, for a running task only (it means nothing otherwise).
    pub(crate) fn is_skipped(&self) -> bool {
        self.skipped && self.state == TaskState::Running
    }

    /// The time since its last poll, for a task that is not inside one.
    pub(crate) fn idle_time(&self) -> Option<Duration> {
        (!self.in_poll()).then_some(self.idle)
    }

    /// The time inside the current poll, for a task that is inside one.
    pub(crate) fn current_poll_time(&self) -> Option<Duration> {
        self.running_for.filter(|_| self.in_poll())
    }
}
