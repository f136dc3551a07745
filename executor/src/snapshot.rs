//! Turning a runtime's live state into an [`introspect::Snapshot`].
//!
//! Only atomics and immutable fields are read (invariant I4): a running task's mutable state
//! is never touched, and it is reported `running, skipped`.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use introspect::{Policy, Reason, Snapshot, TaskId, TaskInfo, TaskState, WorkerInfo};

use crate::clock;
use crate::config::FreezePolicy;
use crate::runtime::Handle;
use crate::scheduler::Shared;
use crate::sync::Arc;
use crate::task::record::TaskRecord;

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
            local_queue_len: w.queue.len(),
        })
        .collect()
}

/// One task's row, read from atomics only. `first_worker` is the index the task's runtime's
/// first worker has in the snapshot (several runtimes share one fatal dump).
pub(crate) fn task_info(
    record: &TaskRecord,
    now: u64,
    fatal_task: Option<TaskId>,
    first_worker: usize,
) -> TaskInfo {
    let word = record.state();
    let state = word.to_state();
    let since = record.since();
    let running = word.is_running();
    let (wakes, self_wakes) = record.wakes();
    let (state, worker) = match state {
        TaskState::Running { worker } => {
            let worker = worker.map(|w| w + first_worker);
            (TaskState::Running { worker }, worker)
        }
        other => (other, record.last_worker().map(|w| w + first_worker)),
    };
    TaskInfo {
        id: record.id,
        name: record.name.as_deref().map(str::to_owned),
        state,
        skipped: running,
        spawned_at: Some(record.spawn_site()),
        parent: record.parent,
        polls: record.polls(),
        busy: clock::to_duration(record.busy_ticks()),
        idle: if running {
            Duration::ZERO
        } else {
            clock::between(since, now)
        },
        running_for: running.then(|| clock::between(since, now)),
        wakes,
        self_wakes,
        worker,
        trace: None,
        fatal: Some(record.id) == fatal_task,
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
    tasks: Vec<TaskInfo>,
    reason: Reason,
    policy: FreezePolicy,
    backtrace: Option<String>,
) -> Snapshot {
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
        backtrace,
        workers,
        tasks,
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
        let now = clock::now();
        let mut tasks = Vec::new();
        self.shared
            .registry
            .for_each(|r| tasks.push(task_info(r, now, None, 0)));
        assemble(
            std::slice::from_ref(&self.shared),
            tasks,
            Reason::Live,
            self.shared.policy(),
            None,
        )
    }

    /// Writes a live dump (header, table, one block per task, summary) of this runtime.
    pub fn dump(&self, out: &mut impl Write) -> io::Result<()> {
        let snapshot = self.snapshot();
        introspect::render::write_text(&snapshot, &introspect::render::TextOptions::default(), out)
    }
}
