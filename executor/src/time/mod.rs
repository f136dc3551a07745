//! Timers, with tokio's API shape (`tokio::time`): [`sleep`], [`timeout`], [`interval`].
//!
//! They run on `async_io::Timer`, the reactor the smol ecosystem shares, so `async-net`,
//! `async-fs` and friends and these timers all use one timer thread. Deadlines are
//! `std::time::Instant`s.
//!
//! A sleeping task says so in dumps: `task 7 [idle, 1.20s, sleep (800ms left)]`. A task in
//! [`timeout`] shows what it waits on inside, marked `(among other waits)` (or its deadline,
//! when the inner future records no wait): it will move by the deadline at the latest, so it
//! is never reported as part of a deadlock.
//!
//! ```
//! use std::time::Duration;
//! use executor::time::{interval, sleep, timeout};
//!
//! # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
//! # rt.block_on(async {
//! sleep(Duration::from_millis(1)).await;
//!
//! let slow = sleep(Duration::from_secs(60));
//! assert!(timeout(Duration::from_millis(1), slow).await.is_err());
//!
//! let mut ticks = interval(Duration::from_millis(1));
//! ticks.tick().await; // the first tick completes at once
//! ticks.tick().await;
//! # });
//! ```

mod interval;
mod sleep;
mod timeout;

pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout};

use std::time::{Duration, Instant};

/// A deadline `after` from now; about 30 years from now when that overflows `Instant` (as in
/// tokio: "forever" in practice, and still a real deadline for the timer).
#[inline]
fn deadline_after(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after).unwrap_or_else(|| far_future(now))
}

/// About 30 years from `now`.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365 * 30)
}
