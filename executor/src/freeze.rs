//! The freeze protocol: the process-wide freezing flag, the check every poller makes, and the
//! fatal path's wait for workers.
//!
//! Rules (invariants I1-I3 of ARCHITECTURE.md):
//! 1. A poller (a worker, or a `block_on` thread) that has picked a task first stores
//!    `RUNNING` in the task's record, issues the light half of an asymmetric store-load
//!    barrier (`TaskRecord::enter_poll`, a compiler fence where the OS offers a process-wide
//!    barrier), *then* loads the flag. If the flag is set it restores `SCHEDULED`, never polls,
//!    and parks for good keeping the task (dropping it would run its destructors).
//! 2. The fatal path stores the flag, issues the heavy half (`claim`: see `barrier.rs`; `membarrier`, which
//!    makes every running thread of the process execute a full fence), and only then reads
//!    records. Every poller's store-load pair is thus split by a full fence that is ordered
//!    against the fatal path's: if the poller's comes first, the fatal path sees `RUNNING` (and
//!    reports the task `running, skipped`); if the fatal path's comes first, the poller sees
//!    the flag and backs out. Hence no task goes from not running to
//!    running once the flag is set (I1), and the mutable state of a task reported not running
//!    is not being written (I4). Go needs a short sleep for the same guarantee; this
//!    handshake does not. `loom_models.rs` checks it.
//! 3. Only one thread sets the flag (`claim`): a second fatal error on that thread aborts with
//!    one line; a fatal error on another thread parks that thread for good.
//! 4. Under `Freeze` the fatal path also wakes parked workers so they reach the check at the
//!    top of their loop, and waits for every worker to report stopped, in a bounded number of
//!    tries within a bounded total. Under `NoFreeze` it touches no worker and waits only a
//!    short grace, and then (bounded by the freeze timeout) until no worker is between two
//!    polls, so that no pick the check is about to abandon reads as a running task.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::config::FreezePolicy;
use crate::scheduler::Shared;

#[cfg(not(loom))]
static FREEZING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// When the flag was set: the start of the freeze, for the dump's note on how long it took.
static CLAIMED_AT: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// How long ago the freezing flag was set (zero if it is not).
pub(crate) fn since_claim() -> Duration {
    CLAIMED_AT.get().map_or(Duration::ZERO, Instant::elapsed)
}

thread_local! {
    /// Set on the thread that won `claim`.
    static FATAL_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// How many times the fatal path asks workers to stop under `Freeze`.
pub(crate) const FREEZE_TRIES: u32 = 5;

/// The grace period under `NoFreeze`.
pub(crate) const NO_FREEZE_GRACE: Duration = Duration::from_millis(1);

/// Rule 1: has a fatal error set the flag?
#[cfg(not(loom))]
#[inline]
pub(crate) fn is_freezing() -> bool {
    // SeqCst (a fence would do after `enter_poll`s fence; this keeps the check obviously
    // ordered wherever it is called).
    FREEZING.load(std::sync::atomic::Ordering::SeqCst)
}

/// Under loom the global flag would leak between model iterations; models use their own
/// flag (see `loom_models.rs`) and the runtime never freezes.
#[cfg(loom)]
pub(crate) fn is_freezing() -> bool {
    false
}

/// Whether a fatal error has begun freezing this process. Once it returns `true` it never
/// returns `false` again, and no task that is not already running will be polled.
///
/// Useful for code outside tasks (a logger thread, a watchdog) that should stand still
/// while the dump is written.
///
/// ```
/// assert!(!executor::freezing());
/// ```
pub fn freezing() -> bool {
    is_freezing()
}

/// The outcome of trying to become the fatal thread (rule 3).
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// This thread set the flag: it writes the dump.
    First,
    /// This thread is already the fatal thread: a fatal error inside the fatal path.
    Recursive,
    /// Another thread set the flag first.
    Another,
}

/// Rule 3.
pub(crate) fn claim() -> Claim {
    if FATAL_THREAD.with(|f| f.get()) {
        return Claim::Recursive;
    }
    #[cfg(not(loom))]
    let won = FREEZING
        .compare_exchange(
            false,
            true,
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
        )
        .is_ok();
    #[cfg(loom)]
    let won = true;
    if won {
        // Rule 2: order the flag store before every record this thread reads from now on.
        crate::barrier::heavy();
        FATAL_THREAD.with(|f| f.set(true));
        let _ = CLAIMED_AT.set(Instant::now());
        Claim::First
    } else {
        Claim::Another
    }
}

/// Whether this thread is writing the fatal dump.
pub(crate) fn is_fatal_thread() -> bool {
    FATAL_THREAD.with(|f| f.get())
}

/// Stands this thread still for good if a fatal dump is being written by another thread:
/// whatever it would do next (return from `main`, tear tasks down, take a registry lock) could
/// end the process or block the dump (I6, registry rule 5). A worker is reported stopped first,
/// so the freeze wait does not wait for it.
pub(crate) fn hold() {
    if is_freezing() && !is_fatal_thread() {
        stand_still();
    }
}

/// [`hold`] for a thread that knows another thread writes the dump.
pub(crate) fn stand_still() -> ! {
    crate::scheduler::mark_current_worker_stopped();
    park_forever()
}

/// [`hold`] for an `atexit` hook: `exit` (a return from `main`, or `std::process::exit` on
/// any thread) would end the process mid-dump. By then this thread's thread-locals may be
/// destroyed, so it touches only ones without destructors and sleeps instead of parking
/// (`thread::park` needs the thread's handle, a thread-local).
#[cfg(not(miri))]
pub(crate) fn hold_at_exit() {
    let fatal_thread = FATAL_THREAD.try_with(|f| f.get()).unwrap_or(false);
    if is_freezing() && !fatal_thread {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// Parks this thread for good (the thread is never unparked on purpose; spurious wake-ups
/// park again).
pub(crate) fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// What the freeze wait achieved for one runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FreezeOutcome {
    /// Workers that will never poll again.
    pub(crate) stopped: usize,
    /// Workers left inside a poll when the wait ended.
    pub(crate) still_running: usize,
    /// Rounds of "wake and wait" used.
    pub(crate) tries: u32,
    /// When the last of the stopped workers was seen stopped, counted from the flag.
    pub(crate) last_stop: Duration,
}

/// Rule 4 for one runtime. `own_worker` is the fatal thread's worker index in this runtime,
/// if it is one of its workers: it is inside a poll and will not stop, so it is not waited for.
pub(crate) fn freeze_workers(
    shared: &Shared,
    policy: FreezePolicy,
    timeout: Duration,
    own_worker: Option<usize>,
) -> FreezeOutcome {
    let others = |w: &(usize, &crate::scheduler::WorkerShared)| Some(w.0) != own_worker;
    let count = |shared: &Shared| {
        shared
            .workers
            .iter()
            .enumerate()
            .filter(others)
            .filter(|(_, w)| w.is_quiescent())
            .count()
    };
    let total = shared.workers.iter().enumerate().filter(others).count();
    if policy == FreezePolicy::NoFreeze {
        std::thread::sleep(NO_FREEZE_GRACE);
        // A worker preempted between its pick and its check would leave its pick reading
        // `running` for a poll that never happens: wait (bounded) until none is between polls.
        // Nobody is stopped or woken for it; each settles by itself.
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline
            && shared
                .workers
                .iter()
                .enumerate()
                .filter(others)
                .any(|(_, w)| w.is_between_polls())
        {
            std::thread::sleep(Duration::from_micros(20));
        }
        let stopped = count(shared);
        return FreezeOutcome {
            stopped,
            still_running: total - stopped,
            tries: 0,
            last_stop: since_claim(),
        };
    }
    let per_try = timeout / FREEZE_TRIES;
    let mut stopped = count(shared);
    let mut last_stop = since_claim();
    let mut tries = 0;
    while stopped < total && tries < FREEZE_TRIES {
        tries += 1;
        shared.idle.notify_all();
        let deadline = Instant::now() + per_try;
        while Instant::now() < deadline {
            let now_stopped = count(shared);
            if now_stopped > stopped {
                last_stop = since_claim();
            }
            stopped = now_stopped;
            if stopped == total {
                break;
            }
            // Short first looks: a worker between two polls stops within microseconds.
            std::thread::sleep(Duration::from_micros(20));
        }
    }
    FreezeOutcome {
        stopped,
        still_running: total - stopped,
        tries,
        last_stop,
    }
}
