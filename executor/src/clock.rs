//! A process-wide monotonic clock in nanoseconds, so timestamps fit in one `AtomicU64`.
//!
//! Per-poll accounting reads the clock once per poll, not twice: the end of one poll on a
//! worker is the start of the next one, unless the worker parked in between. Built with
//! `--cfg executor_no_stats` (benchmarks only) the poll path reads no clock at all, which is
//! how the cost of the accounting is measured.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static EPOCH: OnceLock<Instant> = OnceLock::new();

thread_local! {
    /// The end of the last poll on this thread; 0 once the thread has parked since.
    static LAST_POLL_END: Cell<u64> = const { Cell::new(0) };
}

/// Nanoseconds since the first call in this process (never 0 after the first call returns,
/// so 0 can mean "not set").
pub(crate) fn now_ns() -> u64 {
    let epoch = *EPOCH.get_or_init(Instant::now);
    // u64 nanoseconds last 584 years; saturate rather than wrap.
    u64::try_from(epoch.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The start time of a poll on a worker.
#[inline]
pub(crate) fn poll_start() -> u64 {
    if cfg!(executor_no_stats) {
        return 0;
    }
    match LAST_POLL_END.with(|l| l.get()) {
        0 => now_ns(),
        t => t,
    }
}

/// The time a task is spawned: on a worker inside a poll, the start of that poll is close
/// enough for an idle column and costs no clock read.
#[inline]
pub(crate) fn spawn_time() -> u64 {
    poll_start()
}

/// The end time of a poll; also the start of this thread's next one.
#[inline]
pub(crate) fn poll_end() -> u64 {
    if cfg!(executor_no_stats) {
        return 0;
    }
    let now = now_ns();
    LAST_POLL_END.with(|l| l.set(now));
    now
}

/// The end of this thread's last poll, if it has not parked since (a free reading of "now"
/// for decisions that tolerate a poll's worth of staleness).
#[inline]
pub(crate) fn last_poll_end() -> u64 {
    LAST_POLL_END.with(|l| l.get())
}

/// The thread is about to park: its last poll end no longer says anything about "now".
pub(crate) fn forget_last_poll() {
    LAST_POLL_END.with(|l| l.set(0));
}

/// The time between two readings of [`now_ns`], zero if they are out of order (readings taken
/// on different threads may be).
pub(crate) fn between(earlier: u64, later: u64) -> Duration {
    Duration::from_nanos(later.saturating_sub(earlier))
}
