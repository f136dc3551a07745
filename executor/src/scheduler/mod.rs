//! The scheduler: per-worker queues, the injector, stealing, parking.
//!
//! Where a task goes when it is scheduled:
//! 1. Spawned or woken on one of this runtime's workers: the worker's LIFO slot (the task
//!    that was there moves to the back of the local queue), because the task woken last is
//!    the one whose data is hot (message passing). A task that woke itself (a yield) goes to
//!    the back of the local queue instead, so it cannot hog the worker.
//! 2. A full local queue spills half of itself, and the task being pushed, to the injector
//!    (`queue.rs` rule 5).
//! 3. Spawned or woken anywhere else: the injector.
//!
//! Where a worker looks (see `worker.rs`): every 61st tick the injector first (fairness),
//! then the LIFO slot (at most 3 times in a row), the local queue, the injector (taking a
//! batch), then the other workers (stealing half, `queue.rs` rule 4).
//!
//! Each worker's local queue is `queue.rs`'s ring: the worker owns it (pushes and pops), any
//! thread may steal from it. The injector is a `concurrent-queue`.

mod idle;
pub(crate) mod queue;
mod worker;

use concurrent_queue::ConcurrentQueue;

pub(crate) use worker::{mark_current_worker_stopped, spawn_workers, WorkerShared};

use crate::config::{Config, FreezePolicy};
use crate::registry::Registry;
use crate::sync::{AtomicBool, Ordering};
use crate::task::meta::Runnable;
use idle::Idle;

/// Capacity of each worker's local queue (smaller under loom to reach overflow paths).
#[cfg(not(loom))]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;
#[cfg(loom)]
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 4;

/// Everything the workers of one runtime share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The configuration the runtime was built with (after environment overrides).
    pub(crate) config: Config,
    /// Every live task.
    pub(crate) registry: Registry,
    /// Tasks scheduled from outside the workers.
    pub(crate) injector: ConcurrentQueue<Runnable>,
    /// Per-worker state other threads may read or steal from.
    pub(crate) workers: Box<[WorkerShared]>,
    /// Parking.
    pub(crate) idle: Idle,
    /// Set once by shutdown; workers exit and new tasks are dropped.
    pub(crate) shutdown: AtomicBool,
}

impl Shared {
    /// The shared state of a runtime with `workers` workers, and the owner handles of their
    /// local queues, one per worker, in worker order (see [`spawn_workers`]).
    pub(crate) fn new(config: Config, workers: usize) -> (Shared, Vec<queue::Owner<Runnable>>) {
        let (owners, stealers): (Vec<_>, Vec<_>) = (0..workers).map(|_| queue::new()).unzip();
        let shared = Shared {
            // Several shards per worker: threads outside the runtime spawn too, and a task is
            // often freed on another thread than the one that spawned it.
            registry: Registry::new((4 * workers).next_power_of_two().max(8)),
            injector: ConcurrentQueue::unbounded(),
            workers: stealers
                .into_iter()
                .enumerate()
                .map(|(i, queue)| WorkerShared::new(format!("{}-{i}", config.thread_name), queue))
                .collect(),
            idle: Idle::new(workers),
            shutdown: AtomicBool::new(false),
            config,
        };
        (shared, owners)
    }

    /// The freeze policy in force.
    pub(crate) fn policy(&self) -> FreezePolicy {
        self.config.freeze_policy
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        // Acquire pairs with the Release in `Runtime::drop`.
        self.shutdown.load(Ordering::Acquire)
    }

    /// Queues a task that was just spawned (not a wake: no wake counted).
    pub(crate) fn schedule_new(&self, runnable: Runnable) {
        if let Some(runnable) = worker::try_schedule_local_current(runnable, false) {
            self.schedule_remote(runnable);
        }
    }

    /// Queues `runnable` on the injector and wakes a worker (rule 3).
    pub(crate) fn schedule_remote(&self, runnable: Runnable) {
        // An unbounded queue refuses only once shutdown closed it: then dropping the runnable
        // cancels the task (its future is dropped here). Checking the shutdown flag instead
        // would race with shutdown's last drain and strand the task in the queue.
        if let Err(e) = self.injector.push(runnable) {
            drop(e.into_inner());
            return;
        }
        self.idle.notify_one();
    }

    /// Whether any queue another worker could take from holds a task.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || self.workers.iter().any(|w| !w.queue.is_empty())
    }
}

/// Rule 2: a full local queue's overflow goes to the injector.
impl queue::Overflow<Runnable> for ConcurrentQueue<Runnable> {
    fn push_batch(&self, tasks: impl Iterator<Item = Runnable>) {
        for runnable in tasks {
            // Refused only once shutdown closed the injector: drop the task, as
            // `schedule_remote` does.
            if let Err(e) = self.push(runnable) {
                drop(e.into_inner());
            }
        }
    }
}

/// The schedule function of every task (async-task calls it on wake).
pub(crate) fn schedule(runnable: Runnable, info: async_task::ScheduleInfo) {
    runnable
        .metadata()
        .record
        .on_schedule(info.woken_while_running);
    if let Some(runnable) = worker::try_schedule_local_current(runnable, info.woken_while_running) {
        let shared = runnable.metadata().shared.clone();
        shared.schedule_remote(runnable);
    }
}
