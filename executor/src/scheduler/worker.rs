//! A worker thread: pick a task, pass the freeze check, poll it; search; park.

use std::cell::{Cell, OnceCell};
use std::io;
use std::thread::JoinHandle;

use event_listener::Listener;
use introspect::{TaskId, WorkerState};

use super::queue::{Owner, Stealer};
use super::{Shared, LOCAL_QUEUE_CAPACITY};
use crate::loom_sync::{Arc, AtomicU64, AtomicU8, Ordering};
use crate::task::meta::Runnable;
use crate::{clock, context, freeze};
use std::sync::atomic::{AtomicBool, AtomicI32};

/// Check the injector before the local queue every this many ticks, so a worker whose tasks
/// keep waking each other cannot starve tasks from outside (tokio uses the same prime).
const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// Also check the injector when this long has passed since the last check (by the clock the
/// polls already read), so a task spawned from outside waits about one poll, not 61, when
/// every worker is busy with long polls (busy spawn latency: 312 µs with ticks alone, 31 µs
/// at 50 µs, 22 µs at 25 µs, with 10 µs polls).
const GLOBAL_QUEUE_MAX_WAIT_US: u64 = 25;
/// How long a worker that ran out of work keeps looking before it sleeps (Go's scheduler
/// spins its idle threads the same way).
const SPIN_BEFORE_PARK_US: u64 = 20;
/// Run the LIFO slot at most this many times in a row, so two tasks that ping-pong cannot
/// starve the rest of the local queue.
const MAX_LIFO_STREAK: u8 = 3;

const STATE_SEARCHING: u8 = 0;
const STATE_RUNNING: u8 = 1;
const STATE_PARKED: u8 = 2;
const STATE_STOPPED: u8 = 3;
const STATE_EXITED: u8 = 4;

/// The part of a worker that other threads see: its queue (to steal from) and its status
/// (for snapshots and the freeze wait).
///
/// Aligned to 128 bytes (two cache lines, as the x86 prefetcher pairs them) because the
/// workers' records sit side by side in one slice and each worker writes its own `state`,
/// `current_task` and `ticks` on every poll: unaligned, two workers would share a line.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct WorkerShared {
    /// The worker's local queue, for everyone but the worker: stealing, its length, and
    /// shutdown's drain.
    pub(crate) queue: Stealer<Runnable>,
    pub(crate) thread_name: String,
    state: AtomicU8,
    current_task: AtomicU64,
    ticks: AtomicU64,
    /// The worker thread's kernel id (0 until it starts), for stack captures.
    tid: AtomicI32,
    /// When the current poll started (`clock` ticks): for the stall watchdog.
    poll_started: AtomicU64,
    /// Whether the worker's LIFO slot holds a task, so that a dump's "queued" count agrees
    /// with a task it lists as scheduled (a task spawned by a hog sits there). A plain store
    /// into this worker's own line when the slot fills or empties.
    next_slot_full: AtomicBool,
}

impl WorkerShared {
    pub(crate) fn new(thread_name: String, queue: Stealer<Runnable>) -> WorkerShared {
        WorkerShared {
            queue,
            thread_name,
            state: AtomicU8::new(STATE_SEARCHING),
            current_task: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            tid: AtomicI32::new(0),
            poll_started: AtomicU64::new(0),
            next_slot_full: AtomicBool::new(false),
        }
    }

    /// Tasks waiting for this worker: its local queue plus its LIFO slot.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len() + usize::from(self.next_slot_full.load(Ordering::Relaxed))
    }

    /// What the worker is doing, for snapshots.
    pub(crate) fn state(&self) -> WorkerState {
        // Acquire pairs with `set_state`; the state is a report, no protocol depends on
        // reading it early (the freeze handshake lives in the task records).
        match self.state.load(Ordering::Acquire) {
            STATE_RUNNING => WorkerState::Running {
                task: TaskId(self.current_task.load(Ordering::Relaxed)),
            },
            STATE_PARKED => WorkerState::Parked,
            STATE_STOPPED => WorkerState::Stopped,
            STATE_EXITED => WorkerState::Exited,
            _ => WorkerState::Searching,
        }
    }

    /// Whether the worker will never poll a task again (stopped by the freeze, or exited).
    pub(crate) fn is_quiescent(&self) -> bool {
        matches!(
            self.state.load(Ordering::Acquire),
            STATE_STOPPED | STATE_EXITED
        )
    }

    /// Whether the worker is between two polls: it will be running a poll, parked or stopped
    /// within microseconds (unless the OS preempts it). While it is, a task it picked may read
    /// `RUNNING` for a poll that the freeze check is about to abandon (freeze rule 1).
    pub(crate) fn is_between_polls(&self) -> bool {
        self.state.load(Ordering::Acquire) == STATE_SEARCHING
    }

    /// The task in a poll on this worker and when that poll started, if one is: read twice
    /// around the start, so a worker that moved on to another poll meanwhile reads as `None`
    /// rather than as a mix of two polls. For the stall watchdog.
    pub(crate) fn current_poll(&self) -> Option<(TaskId, u64)> {
        // Acquire pairs with `set_state`'s Release: the task and start stored before it.
        if self.state.load(Ordering::Acquire) != STATE_RUNNING {
            return None;
        }
        let task = self.current_task.load(Ordering::Acquire);
        let started = self.poll_started.load(Ordering::Acquire);
        let still = self.state.load(Ordering::Acquire) == STATE_RUNNING
            && self.current_task.load(Ordering::Acquire) == task;
        still.then_some((TaskId(task), started))
    }

    /// The thread's kernel id, once it has started.
    pub(crate) fn tid(&self) -> Option<libc::pid_t> {
        // Relaxed: set once, before the worker polls anything a dump would ask it about.
        match self.tid.load(Ordering::Relaxed) {
            0 => None,
            tid => Some(tid),
        }
    }

    pub(crate) fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    fn set_state(&self, state: u8) {
        self.state.store(state, Ordering::Release);
    }
}

/// The part of a worker only its own thread touches.
struct Local {
    shared: Arc<Shared>,
    index: usize,
    /// The worker's local queue (`WorkerShared::queue` is its other end).
    queue: Owner<Runnable>,
    /// The task spawned or woken last on this worker (scheduler rule 1).
    lifo: Cell<Option<Runnable>>,
    lifo_streak: Cell<u8>,
    tick: Cell<u32>,
    /// `clock` time of the last fairness check of the injector.
    global_check: Cell<u64>,
    /// [`GLOBAL_QUEUE_MAX_WAIT_US`] in clock ticks.
    global_wait_ticks: u64,
    /// [`SPIN_BEFORE_PARK_US`] in clock ticks.
    spin_ticks: u64,
    rng: Cell<u32>,
}

thread_local! {
    /// Set once when a worker thread starts; empty on every other thread.
    static LOCAL: OnceCell<Local> = const { OnceCell::new() };
}

/// Starts one thread per worker; `queues` are the owner handles `Shared::new` gave, in
/// worker order.
pub(crate) fn spawn_workers(
    shared: &Arc<Shared>,
    queues: Vec<Owner<Runnable>>,
) -> io::Result<Vec<JoinHandle<()>>> {
    debug_assert_eq!(queues.len(), shared.workers.len());
    let mut threads = Vec::with_capacity(shared.workers.len());
    for (index, queue) in queues.into_iter().enumerate() {
        let shared = shared.clone();
        let name = shared.workers[index].thread_name.clone();
        let spawned = std::thread::Builder::new()
            .name(name)
            .spawn(move || worker_main(shared, index, queue));
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => return Err(e),
        }
    }
    Ok(threads)
}

fn worker_main(shared: Arc<Shared>, index: usize, queue: Owner<Runnable>) {
    context::set_worker_index(index);
    shared.workers[index]
        .tid
        .store(crate::stack::current_tid(), Ordering::Relaxed);
    let _runtime = context::enter_runtime(shared.clone());
    LOCAL.with(|cell| {
        // `get_or_init` then `get`: the reference `get_or_init` returns trips Stacked Borrows
        // (a known std issue) once other code reads the cell through `LOCAL.with`.
        let _ = cell.get_or_init(|| Local {
            shared,
            index,
            queue,
            lifo: Cell::new(None),
            lifo_streak: Cell::new(0),
            tick: Cell::new(0),
            global_check: Cell::new(0),
            global_wait_ticks: clock::ticks_from_micros(GLOBAL_QUEUE_MAX_WAIT_US),
            spin_ticks: clock::ticks_from_micros(SPIN_BEFORE_PARK_US),
            rng: Cell::new((index as u32).wrapping_mul(0x9E37_79B9) | 1),
        });
        let local = cell.get().expect("initialised just above");
        local.run();
        // Drop the LIFO task now, while thread-locals still exist: it may run destructors
        // that spawn or wake. Then the tasks woken since shutdown began, among them any this
        // worker's last poll woke (when shutdown gave up waiting for it, nobody else will).
        drop(local.lifo.take());
        local.me().next_slot_full.store(false, Ordering::Relaxed);
        // Shutdown drains this queue too, once this thread has exited; but when it stops
        // waiting for this thread (a deadline, or a runtime dropped inside one of its own
        // tasks), a task this worker queued after that drain would stay queued, and keep the
        // runtime alive through its reference. So drop what is left here too.
        while let Some(r) = local.queue.pop() {
            drop(r);
        }
        while local.shared.drain_graveyard() > 0 {}
        local.me().set_state(STATE_EXITED);
    });
}

/// If this thread is a worker, reports it stopped (it is about to park for good inside a
/// poll, having lost the race to raise a fatal error), so the freeze wait does not wait for it.
pub(crate) fn mark_current_worker_stopped() {
    LOCAL.with(|cell| {
        if let Some(local) = cell.get() {
            local.me().set_state(STATE_STOPPED);
        }
    });
}

/// Queues `runnable` on the current thread's worker if it is one of its runtime's workers;
/// gives it back otherwise. Inline: every wake goes through it, and without the hint whether
/// it is inlined into `schedule_wake` depends on how the crate falls into codegen units.
#[inline]
pub(crate) fn try_schedule_local_current(runnable: Runnable, yielded: bool) -> Option<Runnable> {
    LOCAL.with(|cell| match cell.get() {
        Some(local) if Arc::ptr_eq(&local.shared, &runnable.metadata().shared) => {
            local.push(runnable, yielded);
            None
        }
        _ => Some(runnable),
    })
}

impl Local {
    fn me(&self) -> &WorkerShared {
        &self.shared.workers[self.index]
    }

    fn run(&self) {
        loop {
            // Freezing first: a worker that exits for shutdown while a dump is being written
            // could let the process end mid-dump (I6).
            if freeze::is_freezing() {
                self.stop_forever(None);
            }
            if self.shared.is_shutdown() {
                return;
            }
            if let Some(r) = self.next_task() {
                self.run_task(r);
                continue;
            }
            if let Some(r) = self.search(false) {
                self.run_task(r);
                continue;
            }
            if self.park() {
                // Work is visible but searching was refused: take it anyway rather than spin.
                if let Some(r) = self.search(true) {
                    self.run_task(r);
                }
            }
        }
    }

    /// Picked -> freeze check -> running -> poll (ARCHITECTURE.md, "How a task flows").
    fn run_task(&self, runnable: Runnable) {
        let record = runnable.metadata().record();
        let start = clock::poll_start();
        record.enter_poll(Some(self.index));
        // The freeze check, after `enter_poll` (see `freeze.rs` for why this order).
        if freeze::is_freezing() {
            record.abandon_poll();
            self.stop_forever(Some(runnable));
        }
        record.poll_started(Some(self.index), start);
        let me = self.me();
        me.current_task.store(record.id.0, Ordering::Relaxed);
        me.poll_started.store(start, Ordering::Relaxed);
        me.set_state(STATE_RUNNING);
        runnable.run();
        me.set_state(STATE_SEARCHING);
    }

    /// Stops this worker for good: the freeze. A task already picked is kept, never dropped
    /// (dropping it would run its destructors) and never run.
    fn stop_forever(&self, picked: Option<Runnable>) -> ! {
        self.me().set_state(STATE_STOPPED);
        let _keep = picked;
        freeze::park_forever()
    }

    /// Scheduler rule 1.
    fn push(&self, runnable: Runnable, yielded: bool) {
        if self.shared.is_shutdown() {
            self.shared.bury(runnable);
            return;
        }
        if yielded {
            // No wake-up for another worker: this one is busy running tasks and will reach
            // the yielded task itself; others steal it if they are searching anyway.
            self.push_back_quiet(runnable);
            return;
        }
        match self.lifo.replace(Some(runnable)) {
            Some(previous) => self.push_back(previous),
            None => self.me().next_slot_full.store(true, Ordering::Relaxed),
        }
    }

    /// Scheduler rule 2, then wake a worker to take part of the queue.
    fn push_back(&self, runnable: Runnable) {
        self.push_back_quiet(runnable);
        self.shared.idle.notify_one();
    }

    /// Scheduler rule 2.
    fn push_back_quiet(&self, runnable: Runnable) {
        self.queue.push_back(runnable, &*self.shared);
    }

    fn next_task(&self) -> Option<Runnable> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        self.me().ticks.store(u64::from(tick), Ordering::Relaxed);
        let now = clock::last_poll_end();
        if tick % GLOBAL_QUEUE_INTERVAL == 0
            || now.saturating_sub(self.global_check.get()) > self.global_wait_ticks
        {
            self.global_check.set(now);
            if let Ok(r) = self.shared.injector.pop() {
                return Some(r);
            }
        }
        if let Some(r) = self.lifo.take() {
            self.me().next_slot_full.store(false, Ordering::Relaxed);
            // The streak limit protects the local queue from starving behind two tasks that
            // ping-pong; with nothing queued there is nobody to protect, and moving the task
            // to the queue would only wake another worker to steal a chain of spawns.
            if self.lifo_streak.get() < MAX_LIFO_STREAK || self.queue.is_empty() {
                self.lifo_streak
                    .set(self.lifo_streak.get().saturating_add(1));
                return Some(r);
            }
            self.push_back(r);
        }
        self.lifo_streak.set(0);
        if let Some(r) = self.queue.pop() {
            return Some(r);
        }
        self.take_from_injector()
    }

    /// One task from the injector, plus a fair share of the rest moved to the local queue.
    fn take_from_injector(&self) -> Option<Runnable> {
        let first = self.shared.injector.pop().ok()?;
        let share =
            (self.shared.injector.len() / self.shared.workers.len()).min(LOCAL_QUEUE_CAPACITY / 2);
        for _ in 0..share {
            match self.shared.injector.pop() {
                Ok(r) => {
                    if let Err(r) = self.queue.try_push(r) {
                        self.shared.push_injector(r);
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        // More left (or moved here for stealing): let one more worker look, so a burst from
        // outside spreads even though a notified sleeper absorbs further notifications
        // until it wakes.
        if share > 0 || !self.shared.injector.is_empty() {
            self.shared.idle.notify_one();
        }
        Some(first)
    }

    /// Steals half of another worker's queue (idle rule 3 limits how many search).
    fn search(&self, force: bool) -> Option<Runnable> {
        let idle = &self.shared.idle;
        if !force && !idle.try_start_search() {
            return None;
        }
        let found = self.take_from_injector().or_else(|| self.steal());
        if !force {
            idle.end_search(found.is_some());
        }
        found
    }

    fn steal(&self) -> Option<Runnable> {
        let workers = &self.shared.workers;
        let n = workers.len();
        let start = self.next_random() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(r) = self.queue.steal_from(&workers[victim].queue) {
                return Some(r);
            }
        }
        None
    }

    /// Spins for a few microseconds as a searching worker before sleeping, so that a task
    /// arriving right after this worker ran out of work (the typical request/response rhythm)
    /// is picked up without a futex wake-up on both sides. At most the searching limit of
    /// workers spin at once, and while one does, producers wake nobody (idle rule 1), so the
    /// spin replaces a wake-up rather than adding CPU to one. Returns `true` if work showed.
    fn spin_before_park(&self) -> bool {
        let idle = &self.shared.idle;
        if !idle.try_start_search() {
            return false;
        }
        let start = clock::now();
        let mut found = false;
        while clock::now().saturating_sub(start) < self.spin_ticks {
            if self.shared.has_visible_work() || freeze::is_freezing() || self.shared.is_shutdown()
            {
                found = true;
                break;
            }
            // Yield the core to any other runnable thread (a producer, when threads
            // outnumber cores) rather than burn it; with nothing else runnable this returns
            // at once and the loop keeps watching.
            std::thread::yield_now();
        }
        idle.end_search(false);
        found
    }

    /// Sleeps until notified (idle protocol rule 2). Returns `true` when it did not sleep
    /// because work is visible in some queue.
    fn park(&self) -> bool {
        if self.spin_before_park() {
            return true;
        }
        let idle = &self.shared.idle;
        let listener = idle.prepare_sleep();
        if self.shared.is_shutdown() || freeze::is_freezing() {
            idle.end_sleep();
            return false;
        }
        if self.shared.has_visible_work() {
            idle.end_sleep();
            return true;
        }
        self.me().set_state(STATE_PARKED);
        clock::forget_last_poll();
        listener.wait();
        idle.end_sleep();
        self.me().set_state(STATE_SEARCHING);
        false
    }

    fn next_random(&self) -> u32 {
        // xorshift32: stealing only needs victims spread out, not quality randomness.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }
}
