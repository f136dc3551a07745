//! [`yield_now`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once: the task goes to the back of its worker's queue, so other
/// tasks get a turn.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// rt.block_on(async { executor::yield_now().await });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during our own poll is how the scheduler tells a yield from a wake by
        // someone else (`ScheduleInfo::woken_while_running`): it sends the task to the back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
