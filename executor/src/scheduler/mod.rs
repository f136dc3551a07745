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
//! 4. Once shutdown has begun, anywhere: the graveyard, a queue that shutdown and exiting
//!    workers drain by dropping its tasks. Never dropped inside the wake itself.
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
use crate::loom_sync::{AtomicBool, Ordering};
use crate::registry::Registry;
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
    /// Set once by shutdown; workers exit and tasks scheduled from then on are buried.
    pub(crate) shutdown: AtomicBool,
    /// Tasks scheduled after shutdown began (rule 4). Never closed.
    graveyard: ConcurrentQueue<Runnable>,
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
            graveyard: ConcurrentQueue::unbounded(),
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
            // A spawn is not a wake: the spawner holds no notifier's lock, so a task spawned
            // once shutdown closed the injector is dropped right here (its handle reads
            // cancelled). Buried, it would never be dropped: shutdown's last drain may be over.
            match self.injector.push(runnable) {
                Ok(()) => self.idle.notify_one(),
                Err(e) => drop(e.into_inner()),
            }
        }
    }

    /// Queues `runnable` on the injector and wakes a worker (rule 3).
    pub(crate) fn schedule_remote(&self, runnable: Runnable) {
        if self.push_injector(runnable) {
            self.idle.notify_one();
        }
    }

    /// Queues `runnable` on the injector without waking anyone; `false` if shutdown had closed
    /// it, and the task was buried instead (rule 4).
    pub(crate) fn push_injector(&self, runnable: Runnable) -> bool {
        // An unbounded queue refuses only once shutdown closed it. Checking the shutdown flag
        // instead would race with shutdown's last drain and strand the task in the queue.
        match self.injector.push(runnable) {
            Ok(()) => true,
            Err(e) => {
                self.bury(e.into_inner());
                false
            }
        }
    }

    /// Rule 4: keeps a task scheduled after shutdown began for shutdown (or an exiting worker)
    /// to drop. Dropping it here would run its future's destructor inside `Waker::wake`, and
    /// wakers are often called under the notifier's lock, which that destructor may need
    /// (an `async_channel` receiver removes its listener from the list the sender is
    /// notifying): a deadlock.
    pub(crate) fn bury(&self, runnable: Runnable) {
        // Never closed and unbounded: the push cannot fail; if it ever did, leaking the task
        // beats deadlocking the waker's caller.
        if let Err(e) = self.graveyard.push(runnable) {
            std::mem::forget(e.into_inner());
        }
    }

    /// Drops the buried tasks (their futures' destructors run here, on a thread that holds no
    /// lock of the waker's caller). Returns how many.
    pub(crate) fn drain_graveyard(&self) -> usize {
        let mut n = 0;
        while let Ok(r) = self.graveyard.pop() {
            drop(r);
            n += 1;
        }
        n
    }

    /// Whether any queue another worker could take from holds a task.
    pub(crate) fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || self.workers.iter().any(|w| !w.queue.is_empty())
    }
}

/// Rule 2: a full local queue's overflow goes to the injector (or, once shutdown closed it,
/// to the graveyard: rule 4).
impl queue::Overflow<Runnable> for Shared {
    fn push_batch(&self, tasks: impl Iterator<Item = Runnable>) {
        for runnable in tasks {
            self.push_injector(runnable);
        }
    }
}

/// The schedule function of every task (async-task calls it on wake).
pub(crate) fn schedule(runnable: Runnable, info: async_task::ScheduleInfo) {
    // A tracer asking for the task (`trace/mod.rs` rule 2) gets it before any queue does.
    match crate::trace::try_stash(runnable) {
        Ok(()) => {}
        Err(runnable) => schedule_wake(runnable, info.woken_while_running),
    }
}

fn schedule_wake(runnable: Runnable, woken_while_running: bool) {
    runnable
        .metadata()
        .record()
        .on_schedule(woken_while_running);
    if let Some(runnable) = worker::try_schedule_local_current(runnable, woken_while_running) {
        let shared = runnable.metadata().shared.clone();
        shared.schedule_remote(runnable);
    }
}
