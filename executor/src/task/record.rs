//! The per-task record: what the introspection side knows about a task.
//!
//! Rules (invariant I4 of ARCHITECTURE.md):
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
//! 4. The record lives in the registry's arena (see `registry.rs`), never in the task
//!    allocation, and is only ever shared: nothing takes `&mut` to it while it is registered.

use std::panic::Location;

use std::task::Waker;

use crate::barrier;
use crate::loom_sync::Arc;
use crate::loom_sync::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};
use crate::task::name::TaskName;
use crate::task::wait;
use crate::task::waker_slot::WakerSlot;
use crate::trace::{Target, ThreadTrace};
use introspect::TaskId;

/// Packs a task state and a worker index into one word, so a reader never sees a running
/// state with another task's worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateWord(u64);

const KIND_SCHEDULED: u64 = 0;
const KIND_RUNNING: u64 = 1;
const KIND_IDLE: u64 = 2;
const KIND_COMPLETED: u64 = 3;
/// Panicked inside its poll, under `TaskPanic::Fatal`: the fatal path is reporting it. Keeps
/// the worker field of the running word it replaced.
const KIND_PANICKED: u64 = 4;
const KIND_BITS: u64 = 3;
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

    /// Running, or panicked inside its poll: either way its poller is inside the poll.
    pub(crate) fn in_poll(self) -> bool {
        matches!(self.0 & KIND_MASK, KIND_RUNNING | KIND_PANICKED)
    }

    /// The worker polling it, when [`StateWord::in_poll`] and on a worker.
    pub(crate) fn poller(self) -> Option<usize> {
        let w = self.0 >> KIND_BITS;
        (self.in_poll() && w != NO_WORKER).then_some(w as usize)
    }

    /// The state without the worker.
    pub(crate) fn kind(self) -> StateKind {
        match self.0 & KIND_MASK {
            KIND_SCHEDULED => StateKind::Scheduled,
            KIND_IDLE => StateKind::Idle,
            KIND_COMPLETED => StateKind::Completed,
            KIND_PANICKED => StateKind::Panicked,
            _ => StateKind::Running,
        }
    }
}

/// The kinds of [`StateWord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateKind {
    Scheduled,
    Running,
    Idle,
    Completed,
    Panicked,
}

/// What the runtime records about one task.
#[derive(Debug)]
pub(crate) struct TaskRecord {
    /// Never reused within a process.
    pub(crate) id: TaskId,
    /// The name given at spawn, raw (escaping is the renderer's job).
    name: Option<TaskName>,
    /// The spawn call site.
    pub(crate) spawned_at: &'static Location<'static>,
    /// The id of the task whose poll spawned this one; 0: none (ids start at 1).
    parent: u64,
    /// The freeze handshake word; see the module rules.
    state: AtomicU64,
    /// `clock::now` ticks of the last state change that matters for the idle/running columns:
    /// spawn, start of the current poll, end of the last poll, the last wake.
    since: AtomicU64,
    busy_ticks: AtomicU64,
    /// The longest poll so far and when it ended, in coarse ticks (`LONGEST_SHIFT`,
    /// `LONGEST_END_SHIFT`): 32 bits each instead of 64.
    longest_poll: AtomicU32,
    longest_poll_end: AtomicU32,
    /// What the task waits on (`wait.rs`): packed kind and id, an argument, the start of the
    /// wait, and the poll that set it.
    wait: AtomicU64,
    wait_arg: AtomicU64,
    wait_since: AtomicU64,
    wait_poll: AtomicU32,
    /// Saturating: a task polled four billion times reads "4294967295 polls".
    polls: AtomicU32,
    wakes: AtomicU32,
    self_wakes: AtomicU32,
    /// Last worker that polled it, plus one (0: none yet); workers are at most 1024.
    last_worker: AtomicU16,
    /// Set by `JoinHandle::abort`; read by the task's harness at its next poll.
    pub(crate) abort_requested: AtomicBool,
    /// A waker of the task while its future exists, so runtime shutdown can reach tasks that
    /// nobody else will ever wake (async-executor keeps its active tasks the same way). It is
    /// taken when the future is dropped, which breaks the cycle
    /// record -> waker -> task -> metadata -> runtime -> registry -> record.
    waker: WakerSlot,
}

/// A task's counters and state, copied out of its record in one go.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) id: TaskId,
    pub(crate) name: Option<Box<str>>,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) parent: Option<TaskId>,
    pub(crate) state: StateWord,
    pub(crate) since: u64,
    pub(crate) busy_ticks: u64,
    pub(crate) longest_poll: u64,
    pub(crate) longest_poll_end: u64,
    pub(crate) polls: u64,
    pub(crate) wakes: u64,
    pub(crate) self_wakes: u64,
    pub(crate) last_worker: Option<usize>,
    /// The packed wait of the last completed poll (0: none; `wait.rs` rule 2 applied).
    pub(crate) wait: u64,
    pub(crate) wait_arg: u64,
    pub(crate) wait_since: u64,
    /// What to trace the task by, when the snapshot asked for it and the task was idle.
    pub(crate) trace_target: Option<Target>,
    /// The thread of a `block_on` future.
    pub(crate) block_on: Option<Arc<dyn ThreadTrace>>,
}

impl TaskRecord {
    pub(crate) fn new(
        name: Option<Box<str>>,
        spawned_at: &'static Location<'static>,
        parent: Option<TaskId>,
        now: u64,
    ) -> TaskRecord {
        TaskRecord {
            id: next_task_id(),
            name: name.as_deref().map(TaskName::new),
            spawned_at,
            parent: parent.map_or(0, |p| p.0),
            state: AtomicU64::new(StateWord::SCHEDULED.0),
            since: AtomicU64::new(now),
            busy_ticks: AtomicU64::new(0),
            longest_poll: AtomicU32::new(0),
            longest_poll_end: AtomicU32::new(0),
            polls: AtomicU32::new(0),
            wakes: AtomicU32::new(0),
            self_wakes: AtomicU32::new(0),
            last_worker: AtomicU16::new(0),
            wait: AtomicU64::new(0),
            wait_arg: AtomicU64::new(0),
            wait_since: AtomicU64::new(0),
            wait_poll: AtomicU32::new(0),
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

    /// A clone of the task's waker for a trace poll, without waiting long (see
    /// `WakerSlot::try_get`).
    pub(crate) fn trace_waker(&self) -> Option<Waker> {
        self.waker.try_get()
    }

    /// Whether the task is done for good: its harness saw it complete, panic or be cancelled,
    /// or its future is gone without that (runtime shutdown takes its waker, then drops it).
    /// Never false again once true: no transition leaves `COMPLETED` or `PANICKED`, and the
    /// waker is never set again once taken. Meaningful once spawn has stored the waker, which
    /// it does before it hands out any handle.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(
            self.state().kind(),
            StateKind::Completed | StateKind::Panicked
        ) || !self.waker.is_set()
    }

    /// Takes the task's waker: when its future is dropped, and at shutdown.
    pub(crate) fn take_waker(&self) -> Option<Waker> {
        self.waker.take()
    }

    /// Step one of the freeze handshake: publish "running" before reading the freezing flag.
    pub(crate) fn enter_poll(&self, worker: Option<usize>) {
        // Relaxed store: a reader that sees RUNNING reads nothing else of the task. The barrier
        // orders it before the caller's flag load, against the fatal path's flag store, heavy
        // barrier and state load (a store-barrier-load pair on each side, Dekker style): at
        // least one side sees the other. Without it both could miss each other, even with
        // Release/Acquire.
        self.state
            .store(StateWord::running(worker).0, Ordering::Relaxed);
        barrier::light();
    }

    /// The freeze check passed: the poll that starts at `now` is real. Written only now, so a
    /// poll abandoned at the check leaves the task "scheduled since" its wake, not the freeze.
    pub(crate) fn poll_started(&self, worker: Option<usize>, now: u64) {
        self.since.store(now, Ordering::Relaxed);
        if let Some(w) = worker {
            self.last_worker.store(w as u16 + 1, Ordering::Relaxed);
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
        let took = end.saturating_sub(start);
        bump32(&self.polls);
        bump(&self.busy_ticks, took);
        // One compare per poll (single writer: the poller, rule 2).
        let coarse = u32::try_from(took >> LONGEST_SHIFT).unwrap_or(u32::MAX);
        if coarse > self.longest_poll.load(Ordering::Relaxed) {
            self.longest_poll.store(coarse, Ordering::Relaxed);
            self.longest_poll_end
                .store((end >> LONGEST_END_SHIFT) as u32, Ordering::Relaxed);
        }
        self.since.store(end, Ordering::Relaxed);
        // A plain store: nobody else writes the word while it says RUNNING. A spawned task's
        // wake during its poll is scheduled by async-task only after the poll returns (so
        // `on_schedule` comes after this), completion and fatal panics are written by the
        // poller after or instead of this, and a `block_on` wake moves only IDLE. Release
        // pairs with the snapshot's load so the counters above come with it.
        self.state.store(StateWord::IDLE.0, Ordering::Release);
    }

    /// The poll panicked and the panic is fatal: the dump shows the task `panicked` on the
    /// worker it was running on. Called by the poller, inside the poll.
    pub(crate) fn on_fatal_panic(&self) {
        let word = self.state.load(Ordering::Relaxed);
        let panicked = (word & !KIND_MASK) | KIND_PANICKED;
        // Release, like every transition out of RUNNING.
        self.state.store(panicked, Ordering::Release);
    }

    /// The task was woken and is about to be queued.
    pub(crate) fn on_schedule(&self, woken_while_running: bool) {
        bump32(&self.wakes);
        if woken_while_running {
            bump32(&self.self_wakes);
        }
        // When it was queued, for the scheduled column and the starvation check: on a
        // worker, the end of its last poll is close enough and costs no clock read. A task
        // woken during its own poll (a yield) is scheduled as that poll ends, which
        // `exit_poll` has just recorded.
        if !woken_while_running {
            self.since.store(crate::clock::recent(), Ordering::Relaxed);
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
        let woke = self.state.compare_exchange(
            StateWord::IDLE.0,
            StateWord::SCHEDULED.0,
            Ordering::Release,
            Ordering::Relaxed,
        );
        if woke.is_ok() {
            // Scheduled since now. A poll that starts meanwhile may see its start replaced
            // by this, a moment earlier or later: one wake-up's worth, shown to a person.
            self.since.store(crate::clock::recent(), Ordering::Relaxed);
        }
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

    /// The name given at spawn.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_ref().map(TaskName::as_str)
    }

    pub(crate) fn parent(&self) -> Option<TaskId> {
        (self.parent != 0).then_some(TaskId(self.parent))
    }

    /// Records what the poll in progress waits on (`wait.rs` rules 1 and 3). Called by the
    /// poller only.
    pub(crate) fn set_wait(&self, word: u64, arg: u64) {
        // Relaxed everywhere: single writer, and a reader needs no other memory with them.
        let poll = self.polls.load(Ordering::Relaxed);
        let old = self.wait.load(Ordering::Relaxed);
        let old_poll = self.wait_poll.load(Ordering::Relaxed);
        let same = old & !wait::AMONG_OTHERS == word;
        // A saturated poll count no longer tells polls apart: every wait then replaces the
        // last one, unmarked, and a snapshot shows it even if stale (`row`).
        if old != 0 && old_poll == poll && poll != u32::MAX {
            // Already set in this poll (`wait.rs` rule 4).
            if same {
                self.wait_arg.store(arg, Ordering::Relaxed);
            } else if wait::is_sleep(old) && !wait::is_sleep(word) {
                self.wait
                    .store(word | wait::AMONG_OTHERS, Ordering::Relaxed);
                self.wait_arg.store(arg, Ordering::Relaxed);
            } else if !wait::among_others(old) {
                self.wait.store(old | wait::AMONG_OTHERS, Ordering::Relaxed);
            }
            return;
        }
        let continued = same && old_poll.wrapping_add(1) == poll;
        if !continued {
            // The start of this poll: free, and close enough for a wait.
            self.wait_since
                .store(self.since.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        self.wait.store(word, Ordering::Relaxed);
        self.wait_arg.store(arg, Ordering::Relaxed);
        self.wait_poll.store(poll, Ordering::Relaxed);
    }

    /// Everything a snapshot shows of the task, read from atomics and fields written once
    /// (I4), the state first so the counters are at least as new as it; with a waker to
    /// trace it by when `for_trace` and the task is idle.
    pub(crate) fn row(&self, for_trace: bool) -> Row {
        let state = self.state();
        let polls = self.polls.load(Ordering::Relaxed);
        // Rule 2 of `wait.rs`: set during the last completed poll, or stale.
        let wait_current =
            self.wait_poll.load(Ordering::Relaxed).wrapping_add(1) == polls || polls == u32::MAX;
        let wait = if wait_current {
            self.wait.load(Ordering::Relaxed)
        } else {
            0
        };
        Row {
            id: self.id,
            name: self.name().map(Into::into),
            spawned_at: self.spawned_at,
            parent: self.parent(),
            state,
            since: self.since.load(Ordering::Relaxed),
            busy_ticks: self.busy_ticks.load(Ordering::Relaxed),
            longest_poll: u64::from(self.longest_poll.load(Ordering::Relaxed)) << LONGEST_SHIFT,
            longest_poll_end: longest_end(self.longest_poll_end.load(Ordering::Relaxed)),
            polls: u64::from(polls),
            wakes: u64::from(self.wakes.load(Ordering::Relaxed)),
            self_wakes: u64::from(self.self_wakes.load(Ordering::Relaxed)),
            last_worker: match self.last_worker.load(Ordering::Relaxed) {
                0 => None,
                w => Some(w as usize - 1),
            },
            wait,
            wait_arg: self.wait_arg.load(Ordering::Relaxed),
            wait_since: self.wait_since.load(Ordering::Relaxed),
            trace_target: (for_trace && state.kind() == StateKind::Idle)
                .then(|| self.trace_waker().map(Target::Task))
                .flatten(),
            block_on: None,
        }
    }
}

/// The longest poll is kept in units of 2^10 ticks (about a microsecond at GHz rates; 32 bits
/// then hold more than an hour) and when it ended in units of 2^24 ticks (milliseconds; more
/// than a year).
const LONGEST_SHIFT: u32 = 10;
const LONGEST_END_SHIFT: u32 = 24;

/// The tick a coarse `longest_poll_end` stands for (its low 32 bits wrap after about a year:
/// the high bits are taken from now).
fn longest_end(coarse: u32) -> u64 {
    if coarse == 0 {
        return 0;
    }
    let now = crate::clock::now() >> LONGEST_END_SHIFT;
    let mut full = (now & !u64::from(u32::MAX)) | u64::from(coarse);
    if full > now {
        full = full.saturating_sub(1 << 32);
    }
    full << LONGEST_END_SHIFT
}

/// Adds to a single-writer counter (module rule 2) without a read-modify-write instruction.
#[inline]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(by),
        Ordering::Relaxed,
    );
}

/// Adds one to a single-writer 32-bit counter, saturating.
#[inline]
fn bump32(counter: &AtomicU32) {
    counter.store(
        counter.load(Ordering::Relaxed).saturating_add(1),
        Ordering::Relaxed,
    );
}

fn next_task_id() -> TaskId {
    // Relaxed: uniqueness needs only the atomicity of fetch_add, not ordering.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    TaskId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::wait::{pack, WaitKind, AMONG_OTHERS};

    fn record() -> TaskRecord {
        TaskRecord::new(None, Location::caller(), None, 1)
    }

    /// Ends a poll as far as the wait rules go: the count moves on.
    fn end_poll(r: &TaskRecord) {
        bump32(&r.polls);
    }

    #[test]
    fn a_second_wait_in_one_poll_is_marked_and_the_timer_gives_way() {
        let r = record();
        let lock = pack(WaitKind::Resource, 4);
        let sleep = pack(WaitKind::Sleep, 0);
        // `timeout(d, m.lock())`: the lock first, then the timer.
        r.set_wait(lock, 1);
        r.set_wait(sleep, 99);
        end_poll(&r);
        assert_eq!(r.row(false).wait, lock | AMONG_OTHERS);
        assert_eq!(r.row(false).wait_arg, 1);
        // `select_biased!{sleep, lock}`: the timer first gives way to the lock.
        r.set_wait(sleep, 99);
        r.set_wait(lock, 1);
        end_poll(&r);
        assert_eq!(r.row(false).wait, lock | AMONG_OTHERS);
        assert_eq!(r.row(false).wait_arg, 1);
        // The same wait twice in a poll is one wait.
        r.set_wait(lock, 1);
        r.set_wait(lock, 1);
        end_poll(&r);
        assert_eq!(r.row(false).wait, lock);
    }

    #[test]
    fn past_four_billion_polls_waits_still_show() {
        let r = record();
        r.polls.store(u32::MAX, Ordering::Relaxed);
        let lock = pack(WaitKind::Resource, 4);
        let join = pack(WaitKind::Join, 9);
        r.set_wait(lock, 1);
        end_poll(&r);
        assert_eq!(r.row(false).wait, lock);
        r.set_wait(join, 0);
        end_poll(&r);
        assert_eq!(r.row(false).wait, join, "replaced, not marked");
    }
}
