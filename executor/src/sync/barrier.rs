//! [`Barrier`]: `async_lock::Barrier` with its waiters visible in dumps.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use introspect::ResourceKind;
use pin_project_lite::pin_project;

use crate::resource::{self, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// Lets `n` tasks wait until all of them have reached it, like `tokio::sync::Barrier`; one
/// of each group is the leader. Dumps show how many wait (`barrier #5 (2 of 3 waiting)`) and
/// who.
///
/// ```
/// use std::sync::Arc;
/// use executor::sync::Barrier;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         executor::spawn(async move { barrier.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for t in tasks {
///     leaders += usize::from(t.await.unwrap());
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
pub struct Barrier {
    state: Arc<BarrierState>,
}

/// The shared state, registered as a resource.
struct BarrierState {
    core: ResourceCore,
    barrier: async_lock::Barrier,
    /// Tasks per group.
    n: usize,
    /// Tasks in `wait` that returned `Pending` and have not completed (for dumps).
    waiting: AtomicUsize,
}

impl Resource for BarrierState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let waiting = self.waiting.load(Ordering::Relaxed);
        Some(format!("{waiting} of {} waiting", self.n))
    }
}

impl Barrier {
    /// A barrier for groups of `n` tasks (`n` = 0 behaves like 1). Dumps show the caller's
    /// location as where it was created.
    #[track_caller]
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: resource::registered(BarrierState {
                core: ResourceCore::new(ResourceKind::Barrier, Location::caller()),
                barrier: async_lock::Barrier::new(n),
                n: n.max(1),
                waiting: AtomicUsize::new(0),
            }),
        }
    }

    /// Waits until `n` tasks are waiting, then releases them all; exactly one of them gets a
    /// result whose [`BarrierWaitResult::is_leader`] is true.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe (as in tokio): a dropped `wait` future still counts as arrived.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            inner: self.state.barrier.wait(),
            state: &self.state,
            counted: None,
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("id", &self.state.core.id())
            .field("n", &self.state.n)
            .finish()
    }
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task is its group's leader (one per group).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

/// Counts a waiting task in `waiting` while it lives.
struct Counted<'a>(&'a BarrierState);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project! {
    /// The future [`Barrier::wait`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Wait<'a> {
        #[pin]
        inner: async_lock::futures::BarrierWait<'a>,
        state: &'a BarrierState,
        counted: Option<Counted<'a>>,
    }
}

impl Future for Wait<'_> {
    type Output = BarrierWaitResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(result) => {
                *this.counted = None;
                Poll::Ready(BarrierWaitResult(result.is_leader()))
            }
            Poll::Pending => {
                if this.counted.is_none() {
                    this.state.waiting.fetch_add(1, Ordering::Relaxed);
                    *this.counted = Some(Counted(this.state));
                }
                wait::set_resource(&this.state.core, ResourceOp::Wait, 1);
                Poll::Pending
            }
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").finish_non_exhaustive()
    }
}
