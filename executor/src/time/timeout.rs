//! [`timeout`], [`Timeout`] and [`Elapsed`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::sleep::{sleep, sleep_until, Sleep};

/// Runs `future` for at most `duration`: its output, or [`Elapsed`] if the time ran out
/// first (the future is then dropped, which cancels it).
///
/// The future is polled before the clock is checked, so a future that is ready when the
/// deadline passes still gives its output.
///
/// # Cancel safety
///
/// As cancel safe as `future`: `timeout` itself keeps nothing but a timer. Whatever the inner
/// future had in progress when the time ran out is dropped with it; with this crate's
/// primitives that leaves nothing behind (a timed-out `lock()` holds no lock and keeps no
/// wake-up from the next waiter).
///
/// ```
/// use std::time::Duration;
/// use executor::sync::oneshot;
/// use executor::time::timeout;
///
/// # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// # rt.block_on(async {
/// let (_tx, rx) = oneshot::channel::<u32>();
/// let result = timeout(Duration::from_millis(5), rx).await;
/// assert!(result.is_err()); // nobody sent anything
/// # });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        delay: sleep(duration),
    }
}

/// Runs `future` until `deadline` at the latest: see [`timeout`].
///
/// # Cancel safety
///
/// As cancel safe as `future`.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        delay: sleep_until(deadline),
    }
}

/// The deadline of a [`timeout`] passed before its future completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}

pin_project! {
    /// The future [`timeout`] and [`timeout_at`] return.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        delay: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The inner future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The inner future, consuming the timeout.
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // After the inner future: a wait it recorded is kept, marked among others, and the
        // deadline is the wait only when the inner future recorded none (`wait.rs` rule 4).
        match Pin::new(this.delay).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}
