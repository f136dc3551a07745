//! [`sleep`] and [`Sleep`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;

use crate::clock;
use crate::task::wait;

/// Waits until `duration` has passed.
///
/// # Cancel safety
///
/// Cancel safe: dropping the sleep cancels its timer, nothing else.
///
/// ```
/// # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// # rt.block_on(async {
/// executor::time::sleep(std::time::Duration::from_millis(5)).await;
/// # });
/// ```
#[inline]
pub fn sleep(duration: Duration) -> Sleep {
    let mut sleep = Sleep::new(super::deadline_after(duration));
    // Converted now, from the duration: one counter read, no second clock read at the first
    // `Pending`.
    sleep.deadline_ticks = clock::ticks_after(duration);
    sleep
}

/// Waits until `deadline`; completes at once if it has passed.
///
/// # Cancel safety
///
/// Cancel safe.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future [`sleep`] and [`sleep_until`] return: a timer with a deadline that can be
/// moved ([`Sleep::reset`]) and polled again.
///
/// Once it has completed, polling it again completes at once until it is reset.
///
/// ```
/// use std::pin::pin;
/// use std::time::{Duration, Instant};
///
/// # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// # rt.block_on(async {
/// let mut sleep = pin!(executor::time::sleep(Duration::from_secs(60)));
/// sleep.as_mut().reset(Instant::now() + Duration::from_millis(1));
/// sleep.as_mut().await;
/// assert!(sleep.is_elapsed());
/// # });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    timer: Timer,
    deadline: Instant,
    /// `deadline` in `clock` ticks, for the wait dumps show; 0 until first needed.
    deadline_ticks: u64,
    elapsed: bool,
}

impl Sleep {
    #[inline]
    fn new(deadline: Instant) -> Sleep {
        Sleep {
            timer: Timer::at(deadline),
            deadline,
            deadline_ticks: 0,
            elapsed: false,
        }
    }

    /// When it completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether it has completed (and not been reset since).
    pub fn is_elapsed(&self) -> bool {
        self.elapsed
    }

    /// Moves the deadline, whether or not it has completed: the next poll waits for the new
    /// one.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.timer.set_at(deadline);
        this.deadline = deadline;
        this.deadline_ticks = 0;
        this.elapsed = false;
    }
}

impl Future for Sleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.elapsed {
            return Poll::Ready(());
        }
        if Pin::new(&mut this.timer).poll(cx).is_ready() {
            this.elapsed = true;
            return Poll::Ready(());
        }
        // The task sleeps until the deadline, converted to ticks once per deadline.
        if this.deadline_ticks == 0 {
            this.deadline_ticks = clock::ticks_at(this.deadline);
        }
        wait::set_sleep_ticks(this.deadline_ticks);
        Poll::Pending
    }
}
