//! A process-wide monotonic clock in nanoseconds, so timestamps fit in one `AtomicU64`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since the first call in this process (never 0 after the first call returns,
/// so 0 can mean "not set").
pub(crate) fn now_ns() -> u64 {
    let epoch = *EPOCH.get_or_init(Instant::now);
    // u64 nanoseconds last 584 years; saturate rather than wrap.
    u64::try_from(epoch.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The time between two readings of [`now_ns`], zero if they are out of order (readings taken
/// on different threads may be).
pub(crate) fn between(earlier: u64, later: u64) -> Duration {
    Duration::from_nanos(later.saturating_sub(earlier))
}
