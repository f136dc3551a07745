//! [`interval`], [`Interval`] and [`MissedTickBehavior`].

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;

use crate::task::wait;

/// Ticks later than this after their deadline count as missed (tokio's threshold): timers
/// fire a little late routinely, and that is not a missed tick.
const MISSED_AFTER: Duration = Duration::from_millis(5);

/// Ticks every `period`, the first tick at once.
///
/// # Panics
/// When `period` is zero.
///
/// ```
/// use std::time::Duration;
///
/// # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// # rt.block_on(async {
/// let mut every = executor::time::interval(Duration::from_millis(2));
/// let first = every.tick().await;
/// let second = every.tick().await;
/// assert!(second - first >= Duration::from_millis(2));
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
/// When `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero");
    Interval {
        timer: Timer::at(start),
        next: start,
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does about ticks it could not deliver on time (the task was busy or
/// the machine slow), tokio's three policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Deliver the missed ticks at once, one per `tick()`, until caught up; the schedule
    /// stays on `start + k * period`. The default.
    #[default]
    Burst,
    /// Deliver one tick now and schedule the next a full period after it: the schedule
    /// shifts.
    Delay,
    /// Deliver one tick now and skip to the next deadline on the original schedule.
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick due at `due` delivered late, at `now`.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => due + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(due).as_nanos();
                let into_period = late % period.as_nanos();
                // `into_period` < `period`, so it fits the period's own nanoseconds.
                now + period - Duration::from_nanos(into_period as u64)
            }
        }
    }
}

/// Ticks on a schedule: see [`interval`].
#[derive(Debug)]
pub struct Interval {
    timer: Timer,
    /// When the next tick is due.
    next: Instant,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns when it was due.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `tick()` delivered nothing, and the tick is still due.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: `Ready(due)` consumes it and schedules the one after.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.timer).poll(cx).is_pending() {
            wait::set_sleep(self.next);
            return Poll::Pending;
        }
        let due = self.next;
        let now = Instant::now();
        self.next = if now > due + MISSED_AFTER {
            self.missed.next(due, now, self.period)
        } else {
            due + self.period
        };
        self.timer.set_at(self.next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is due one period from now.
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period;
        self.timer.set_at(self.next);
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The policy for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets the policy for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}
