//! The per-task record: what the introspection side knows about a task.
//!
//! Rules (invariant I4 of DESIGN.md):
//! 1. `id`, `name`, `spawned_at`, `parent` are written once, before the task is registered,
//!    and never change: anyone may read them at any time.
//! 2. Every other field is an atomic (or, for the waker, a `WakerSlot`, itself a tiny
//!    protocol of its own).
//!    Counters have a single writer at a time: the poll counters are written by the poller and
//!    the wake counters by the schedule function, and async-task never runs two polls, or two
//!    schedules, of one task at once (its own state transitions order them). So they are
//!    updated with a `Relaxed` load and store, no read-modify-write: they are statistics and
//!    publish no other memory.
//! 3. `state` is the freeze handshake (see `freeze.rs`): a poller stores `RUNNING`, issues the
//!    light half of a store-load barrier, and only then reads the freezing flag, so a fatal
//!    path that sets the flag, issues the heavy half, and then reads `state` sees every poll
//!    that will still start.

use std::panic::Location;

use std::task::Waker;

use crate::barrier;
use crate::sync::{AtomicBool, AtomicU64, Ordering};
use crate::task::waker_slot::WakerSlot;
use introspect::{SpawnSite, TaskId, TaskState};

use crate::registry::Slot;

/// Packs a task state and a worker index into one word, so a reader never sees a running
/// state with another task's worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateWord(u64);

const KIND_SCHEDULED: u64 = 0;
const KIND_RUNNING: u64 = 1;
const KIND_IDLE: u64 = 2;
const KIND_COMPLETED: u64 = 3;
const KIND_BITS: u64 = 2;
const KIND_MASK: u64 = (1 << KIND_BITS) - 1;
/// Worker field value meaning "not a worker" (a `block_on` thread).
const NO_WORKER: u64 = (1 << 32) - 1;

impl StateWord {
    pub(crate) const SCHEDULED: StateWord = StateWord(KIND_SCHEDULED);
    pub(crate) const IDLE: StateWord = StateWord(KIND_IDLE);
    pub(crate) const COMPLETED: StateWord = StateWord(KIND_COMPLETED);

    /// Running on worker `worker`, or on a `block_on` thread when `None`.
    pub(crate) fn running(worker: Option<usize>) -> StateWord {
        let w = worker.map_or(NO_WORKER, |w| w as u64);
        StateWord(KIND_RUNNING | (w << KIND_BITS))
    }

    pub(crate) fn is_running(self) -> bool {
        self.0 & KIND_MASK == KIND_RUNNING
    }

    pub(crate) fn to_state(self) -> TaskState {
        match self.0 & KIND_MASK {
            KIND_SCHEDULED => TaskState::Scheduled,
            KIND_IDLE => TaskState::Idle,
            KIND_COMPLETED => TaskState::Completed,
            _ => {
                let w = self.0 >> KIND_BITS;
                TaskState::Running {
                    worker: (w != NO_WORKER).then_some(w as usize),
                }
            }
        }
    }
}

/// What the runtime records about one task.
#[derive(Debug)]
pub(crate) struct TaskRecord {
    /// Never reused within a process.
    pub(crate) id: TaskId,
    /// The name given at spawn, raw (escaping is the renderer's job).
    pub(crate) name: Option<Box<str>>,
    /// The spawn call site.
    pub(crate) spawned_at: &'static Location<'static>,
    /// The task whose poll spawned this one.
    pub(crate) parent: Option<TaskId>,
    /// Where the registry keeps this task.
    pub(crate) slot: Slot,
    /// The freeze handshake word; see the module rules.
    state: AtomicU64,
    /// `clock::now` ticks of the last state change that matters for the idle/running columns:
    /// spawn, start of the current poll, end of the last poll.
    since: AtomicU64,
    /// Last worker that polled it, plus one (0: none yet).
    last_worker: AtomicU64,
    polls: AtomicU64,
    busy_ticks: AtomicU64,
    wakes: AtomicU64,
    self_wakes: AtomicU64,
    /// Set by `JoinHandle::abort`; read by the task's harness at its next poll.
    pub(crate) abort_requested: AtomicBool,
    /// A waker of the task while its future exists, so runtime shutdown can reach tasks that
    /// nobody else will ever wake (async-executor keeps its active tasks the same way). It is
    /// taken when the future is dropped, which breaks the cycle
    /// record -> waker -> task -> metadata -> record.
    waker: WakerSlot,
}

impl TaskRecord {
    pub(crate) fn new(
        name: Option<Box<str>>,
        spawned_at: &'static Location<'static>,
        parent: Option<TaskId>,
        slot: Slot,
        now: u64,
    ) -> TaskRecord {
        TaskRecord {
            id: next_task_id(),
            name,
            spawned_at,
            parent,
            slot,
            state: AtomicU64::new(StateWord::SCHEDULED.0),
            since: AtomicU64::new(now),
            last_worker: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            busy_ticks: AtomicU64::new(0),
            wakes: AtomicU64::new(0),
            self_wakes: AtomicU64::new(0),
            abort_requested: AtomicBool::new(false),
            waker: WakerSlot::new(),
        }
    }

    /// Stores the task's waker (at spawn, before the task can run).
    pub(crate) fn set_waker(&self, waker: Waker) {
        // Spawn sets it once; a second waker would only be a duplicate of the first.
        drop(self.waker.set(waker));
    }

    /// A clone of the task's waker, if its future still exists (for abort).
    pub(crate) fn waker(&self) -> Option<Waker> {
        self.waker.get()
    }

    /// Takes the task's waker: when its future is dropped, and at shutdown.
    pub(crate) fn take_waker(&self) -> Option<Waker> {
        self.waker.take()
    }

    /// Step one of the freeze handshake: publish "running" before reading the freezing flag.
    pub(crate) fn enter_poll(&self, worker: Option<usize>, now: u64) {
        // Relaxed store: a reader that sees RUNNING reads nothing else of the task. The barrier
        // orders it before the caller's flag load, against the fatal path's flag store, heavy
        // barrier and state load (a store-barrier-load pair on each side, Dekker style): at
        // least one side sees the other. Without it both could miss each other, even with
        // Release/Acquire.
        self.state
            .store(StateWord::running(worker).0, Ordering::Relaxed);
        barrier::light();
        self.since.store(now, Ordering::Relaxed);
        if let Some(w) = worker {
            self.last_worker.store(w as u64 + 1, Ordering::Relaxed);
        }
    }

    /// The poller saw the freezing flag after `enter_poll`: the poll never happened.
    pub(crate) fn abandon_poll(&self) {
        // Release: nothing was written, but it keeps every transition out of RUNNING alike.
        self.state.store(StateWord::SCHEDULED.0, Ordering::Release);
    }

    /// The poll that [`TaskRecord::enter_poll`] started at `start` returned at `end`.
    /// Called by the poller only.
    pub(crate) fn exit_poll(&self, start: u64, end: u64) {
        bump(&self.polls, 1);
        bump(&self.busy_ticks, end.saturating_sub(start));
        self.since.store(end, Ordering::Relaxed);
        // Only the poller stores RUNNING, so a running word seen here is this poll's own. A
        // wake during the poll already moved it to SCHEDULED and completion to COMPLETED: those
        // stay. Release pairs with the snapshot's load so the counters above come with it.
        let current = self.state.load(Ordering::Relaxed);
        if StateWord(current).is_running() {
            let _ = self.state.compare_exchange(
                current,
                StateWord::IDLE.0,
                Ordering::Release,
                Ordering::Relaxed,
            );
        }
    }

    /// The task was woken and is about to be queued.
    pub(crate) fn on_schedule(&self, woken_while_running: bool) {
        bump(&self.wakes, 1);
        if woken_while_running {
            bump(&self.self_wakes, 1);
        }
        // Not SeqCst: a scheduled task is not running, and the handshake only cares about
        // transitions *into* running.
        self.state.store(StateWord::SCHEDULED.0, Ordering::Release);
    }

    /// A `block_on` future was woken: unlike [`TaskRecord::on_schedule`], wakes may race each
    /// other and the poll, so the counters use read-modify-writes and the state moves only
    /// from idle to scheduled (a running future stays running; its poller decides after).
    pub(crate) fn on_concurrent_wake(&self) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
        let current = StateWord(self.state.load(Ordering::Relaxed));
        if current.is_running() {
            self.self_wakes.fetch_add(1, Ordering::Relaxed);
        }
        let _ = self.state.compare_exchange(
            StateWord::IDLE.0,
            StateWord::SCHEDULED.0,
            Ordering::Release,
            Ordering::Relaxed,
        );
    }

    /// The future returned `Ready` (or was aborted): the output waits for the `JoinHandle`.
    pub(crate) fn on_complete(&self) {
        self.state.store(StateWord::COMPLETED.0, Ordering::Release);
    }

    /// The state and worker as one consistent pair.
    pub(crate) fn state(&self) -> StateWord {
        // Acquire pairs with the Release of `exit_poll`/`on_complete`: a task read as not
        // running comes with everything its last poll wrote. The fatal path fences before
        // this load (see `enter_poll`).
        StateWord(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn since(&self) -> u64 {
        self.since.load(Ordering::Relaxed)
    }

    pub(crate) fn last_worker(&self) -> Option<usize> {
        match self.last_worker.load(Ordering::Relaxed) {
            0 => None,
            w => Some(w as usize - 1),
        }
    }

    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }

    pub(crate) fn busy_ticks(&self) -> u64 {
        self.busy_ticks.load(Ordering::Relaxed)
    }

    pub(crate) fn wakes(&self) -> (u64, u64) {
        (
            self.wakes.load(Ordering::Relaxed),
            self.self_wakes.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn spawn_site(&self) -> SpawnSite {
        SpawnSite {
            file: self.spawned_at.file().to_owned(),
            line: self.spawned_at.line(),
            column: self.spawned_at.column(),
        }
    }
}

/// Adds to a single-writer counter (module rule 2) without a read-modify-write instruction.
#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(by),
        Ordering::Relaxed,
    );
}

fn next_task_id() -> TaskId {
    // Relaxed: uniqueness needs only the atomicity of fetch_add, not ordering.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    TaskId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}
