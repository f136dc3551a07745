//! Turning a runtime's live state into an [`introspect::Snapshot`].
//!
//! Only atomics and immutable fields are read (invariant I4): a running task's mutable state
//! is never touched. Rows are copied out under the registry's locks, a chunk at a time, and
//! converted after the locks are released.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::panic::Location;

use introspect::{
    HumanDuration, LongestPoll, Policy, Poller, Reason, ResourceInfo, Snapshot, SourceLocation,
    TaskId, TaskInfo, TaskState, Wait, WorkerInfo,
};

use crate::clock;
use crate::config::FreezePolicy;
use crate::frames::{self, Symbolizer};
use crate::inspect::{self, Extras};
use crate::loom_sync::Arc;
use crate::runtime::Handle;
use crate::scheduler::Shared;
use crate::task::record::{Row, StateKind};
use crate::task::wait::{self, ResourceOp, Waiting};

/// One worker's row.
pub(crate) fn worker_infos(shared: &Shared, first_index: usize) -> Vec<WorkerInfo> {
    shared
        .workers
        .iter()
        .enumerate()
        .map(|(i, w)| WorkerInfo {
            index: first_index + i,
            thread_name: w.thread_name.clone(),
            state: w.state(),
            ticks: w.ticks(),
            local_queue_len: w.queued(),
        })
        .collect()
}

/// Whether the snapshot is live (nothing stopped) or a fatal dump's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// `Handle::snapshot`: nothing is stopped, nothing is attempted inside running tasks.
    Live,
    /// A fatal dump: the task that raised it (if any) is shown first, and a running task's
    /// insides could not be read (I4), which its `skipped` says.
    Fatal(Option<TaskId>),
}

/// One task's row, converted from what [`TaskRecord::row`](crate::task::record::TaskRecord::row)
/// copied out. `first_worker` is the index the task's runtime's first worker has in the
/// snapshot (several runtimes share one fatal dump).
pub(crate) fn task_info(row: Row, now: u64, view: View, first_worker: usize) -> TaskInfo {
    let in_poll = row.state.in_poll();
    let state = match row.state.kind() {
        StateKind::Scheduled => TaskState::Scheduled,
        StateKind::Idle => TaskState::Idle,
        StateKind::Completed => TaskState::Completed,
        StateKind::Running => TaskState::Running,
        StateKind::Panicked => TaskState::Panicked,
    };
    let poller = in_poll.then(|| match row.state.poller() {
        Some(w) => Poller::Worker(w + first_worker),
        None => Poller::BlockOn,
    });
    let fatal = view == View::Fatal(Some(row.id));
    let wait = if in_poll { None } else { wait(&row, now) };
    // The poll in progress counts (its time so far included): a task 300 ms into its first
    // poll has been polled once and busy 300 ms, whatever its counters say until it returns.
    let since = clock::between(row.since, now);
    let (current_polls, current_busy) = if in_poll {
        (1, since)
    } else {
        (0, Duration::ZERO)
    };
    let longest_poll = longest_poll(&row, current_busy, now);
    TaskInfo {
        id: row.id,
        name: row.name.map(String::from),
        state,
        poller,
        last_worker: row.last_worker.map(|w| w + first_worker),
        skipped: state == TaskState::Running && matches!(view, View::Fatal(_)) && !fatal,
        spawned_at: Some(location(row.spawned_at)),
        parent: row.parent,
        polls: row.polls + current_polls,
        busy: clock::to_duration(row.busy_ticks) + current_busy,
        idle: if in_poll { Duration::ZERO } else { since },
        running_for: in_poll.then_some(since),
        wakes: row.wakes,
        self_wakes: row.self_wakes,
        longest_poll,
        wait,
        trace: None,
        stack: None,
        panic: None,
        fatal,
    }
}

/// The slowest poll: the poll in progress when it is already the longest (ending now, so
/// `ago` is zero), as `polls` and `busy` count it, else the longest completed one.
fn longest_poll(row: &Row, current: Duration, now: u64) -> Option<LongestPoll> {
    let completed = (row.longest_poll > 0).then(|| LongestPoll {
        duration: clock::to_duration(row.longest_poll),
        ago: clock::between(row.longest_poll_end, now),
    });
    match completed {
        Some(done) if done.duration >= current => Some(done),
        _ => (current > Duration::ZERO).then_some(LongestPoll {
            duration: current,
            ago: Duration::ZERO,
        }),
    }
}

/// What the task waits on, in words (`wait.rs`).
fn wait(row: &Row, now: u64) -> Option<Wait> {
    let waited = clock::between(row.wait_since, now);
    let (what, resource, task) = match wait::unpack(row.wait)? {
        Waiting::Join(task) => (format!("join task {task}"), None, Some(task)),
        // A deadline that has passed: the timer fired and the task is queued, or about to be.
        Waiting::Sleep if row.wait_arg <= now => {
            let ago = clock::between(row.wait_arg, now);
            (
                format!("sleep (expired {} ago)", HumanDuration(ago)),
                None,
                None,
            )
        }
        Waiting::Sleep => {
            let left = clock::between(now, row.wait_arg);
            (format!("sleep ({} left)", HumanDuration(left)), None, None)
        }
        // The resource's kind and state are filled in from the resources section
        // (`resource::link`): here, the operation only.
        Waiting::Resource(id) => (ResourceOp::describe(row.wait_arg), Some(id), None),
        Waiting::Described(id) => {
            let (_, op, _) = wait::unpack_described(row.wait_arg)?;
            (op, Some(id), None)
        }
    };
    Some(Wait {
        what,
        resource,
        task,
        waited,
        among_others: wait::among_others(row.wait),
    })
}

/// A location that may not live for the whole program (a panic's), copied.
pub(crate) fn location_copied(at: &Location<'_>) -> SourceLocation {
    SourceLocation {
        file: at.file().to_owned().into(),
        line: at.line(),
        column: at.column(),
    }
}

/// A `#[track_caller]` location as the model shows every source location.
pub(crate) fn location(at: &Location<'static>) -> SourceLocation {
    SourceLocation {
        file: at.file().into(),
        line: at.line(),
        column: at.column(),
    }
}

/// Every task of `shared`, rows copied under the registry's locks and converted outside them.
fn rows(shared: &Shared, for_trace: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    shared.registry.rows(for_trace, |row| rows.push(row));
    rows
}

/// What a live snapshot takes besides the rows.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let (tx, rx) = futures::channel::oneshot::channel::<()>();
/// let _t = rt.spawn(async move { rx.await });
/// # std::thread::sleep(std::time::Duration::from_millis(20));
/// let snap = rt
///     .handle()
///     .snapshot_with(&executor::SnapshotOptions::new().await_traces(true));
/// assert!(snap.tasks.iter().any(|t| t.trace.is_some()));
/// drop(tx);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    await_traces: bool,
    native_stacks: bool,
}

impl SnapshotOptions {
    /// Rows only: what [`Handle::snapshot`] takes.
    pub fn new() -> SnapshotOptions {
        SnapshotOptions::default()
    }

    /// Also take each idle task's await trace, by polling it once more on a tracer thread
    /// (see [`Builder::await_traces`](crate::Builder::await_traces) for what that implies).
    pub fn await_traces(mut self, on: bool) -> SnapshotOptions {
        self.await_traces = on;
        self
    }

    /// Also capture the native stack of each thread inside a poll, by signalling it (see the
    /// README's "Native stacks, signals and the stall watchdog"): the task goes on, but a
    /// blocking `poll`/`select` or a socket call with a timeout it is inside returns
    /// `ErrorKind::Interrupted`.
    pub fn native_stacks(mut self, on: bool) -> SnapshotOptions {
        self.native_stacks = on;
        self
    }
}

/// The policy as the model names it.
pub(crate) fn policy(p: FreezePolicy) -> Policy {
    match p {
        FreezePolicy::Freeze => Policy::Freeze,
        FreezePolicy::NoFreeze => Policy::NoFreeze,
    }
}

/// Milliseconds since the Unix epoch, 0 if the clock is before it.
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A snapshot of several runtimes' workers and the given tasks.
pub(crate) fn assemble(
    runtimes: &[Arc<Shared>],
    mut tasks: Vec<TaskInfo>,
    (mut resources, unread): (Vec<ResourceInfo>, usize),
    reason: Reason,
    policy: FreezePolicy,
) -> Snapshot {
    crate::resource::link(&mut tasks, &mut resources);
    let mut notes = Vec::new();
    if unread > 0 {
        notes.push(format!(
            "{unread} resource registry shard(s) stayed locked: their resources are missing"
        ));
    }
    let mut workers = Vec::new();
    for shared in runtimes {
        let first = workers.len();
        workers.extend(worker_infos(shared, first));
    }
    Snapshot {
        taken_at_unix_ms: unix_ms(),
        pid: std::process::id(),
        reason,
        policy: self::policy(policy),
        backtrace: None,
        workers,
        tasks,
        resources,
        notes,
    }
}

impl Handle {
    /// A live snapshot of every task and worker of this runtime. Nothing is stopped.
    ///
    /// Each task's row is read from its own atomics and is self-consistent (its state and
    /// worker come from one word); rows of different tasks are read at slightly different
    /// moments, so across tasks the snapshot is not a single instant: a message in flight may
    /// show on both sides, or neither. Every task alive for the whole call is listed exactly
    /// once, and no task dropped before the call is.
    ///
    /// ```
    /// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let h = executor::task::Builder::new().name("waiter");
    /// let _t = rt.block_on(async { h.spawn(std::future::pending::<()>()) });
    /// let snap = rt.handle().snapshot();
    /// assert!(snap.tasks.iter().any(|t| t.name.as_deref() == Some("waiter")));
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_with(&SnapshotOptions::new())
    }

    /// A live snapshot with more than the rows; see [`SnapshotOptions`].
    pub fn snapshot_with(&self, options: &SnapshotOptions) -> Snapshot {
        let rows: Vec<(Row, usize)> = rows(&self.shared, options.await_traces)
            .into_iter()
            .map(|row| (row, 0))
            .collect();
        let now = clock::now();
        let (mut resources, unread) = crate::resource::collect(None, now);
        crate::resource::add_described(&mut resources, &rows, None);
        let mut symbolizer = Symbolizer::new();
        let extras = Extras {
            traces: options.await_traces,
            stacks: options.native_stacks,
        };
        let tasks = inspect::build_tasks(
            std::slice::from_ref(&self.shared),
            rows,
            now,
            View::Live,
            extras,
            &mut symbolizer,
        );
        let mut snapshot = assemble(
            std::slice::from_ref(&self.shared),
            tasks,
            (resources, unread),
            Reason::Live,
            self.shared.policy(),
        );
        frames::relativize(&mut snapshot);
        snapshot
    }

    /// Writes a live dump (header, table, one block per task, summary) of this runtime.
    pub fn dump(&self, out: &mut impl Write) -> io::Result<()> {
        let snapshot = self.snapshot();
        introspect::render::write_text(&snapshot, &introspect::render::TextOptions::default(), out)
    }
}
