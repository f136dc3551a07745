//! The one yield future every runtime runs, so no runtime is measured with its own tuned yield.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Returns a future that is pending once (waking itself first) and ready on its next poll.
///
/// It wakes through `wake_by_ref` from inside `poll`, which is what a hand-written future
/// that wants to be polled again does; runtimes with a yield of their own (tokio's and
/// executor's `yield_now`) may handle that case differently, on purpose not used here.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    /// Whether the first poll has happened (and so the task has woken itself).
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
