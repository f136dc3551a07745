//! [`Semaphore`]: a counting semaphore on [`Permits`] (a word of free permits and a
//! first-come first-served queue), with its permit holders and waiters visible in dumps.
//!
//! async-lock's semaphore takes one permit at a time and cannot be closed, and it wakes a
//! waiter by an `event-listener` notification on every release, waiters or not; tokio's API
//! needs `acquire_many` and `close`, and the queueing protocol is `permits.rs`'s. Rules:
//! 1. A permit records its holder (`ResourceCore::acquire` with its permit count) when it is
//!    handed out, inside the acquiring task's poll, and gives the record back before its
//!    permits are returned.
//! 2. An acquire future that returns `Pending` records `semaphore #N acquire` (with the count
//!    when it is more than one) as its task's wait; dropped, it leaves the queue or gives
//!    back permits it was granted and never took (`permits.rs` rule 5).

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use introspect::ResourceKind;

use super::error::{AcquireError, TryAcquireError};
use super::permits::{Acquired, Permits, Waiter};
use crate::resource::{self, Hold, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// A counting semaphore, like `tokio::sync::Semaphore`: at most N holders at once, each with
/// one or more permits. Dumps name every holder with its permits and every waiter:
/// `semaphore #2 (0 of 8 permits) created at src/pool.rs:12:9: held by task 3 (1 permit) ...`.
///
/// First come, first served, as tokio's: permits go to waiters in the order they started
/// waiting, each its whole request at once, and while anyone waits a new acquire (or
/// `try_acquire`) waits behind them even if permits are free, so a large `acquire_many` is
/// not overtaken by smaller requests.
///
/// ```
/// use std::sync::Arc;
/// use executor::sync::Semaphore;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let pool = Arc::new(Semaphore::new(2));
/// let a = pool.acquire().await.unwrap();
/// let b = pool.clone().acquire_owned().await.unwrap();
/// assert_eq!(pool.available_permits(), 0);
/// assert!(pool.try_acquire().is_err());
/// drop(a);
/// drop(b);
/// let two = pool.acquire_many(2).await.unwrap();
/// assert_eq!(two.num_permits(), 2);
/// # });
/// ```
pub struct Semaphore {
    state: Arc<SemState>,
}

/// The shared state, registered as a resource.
struct SemState {
    /// Identity, creation site, holders.
    core: ResourceCore,
    /// Free permits and their waiters.
    permits: Permits,
    /// Permits in existence, free or held (for the detail; `forget` lowers it).
    total: AtomicUsize,
    /// Permits forgotten so far: a pool that ran dry because permits were forgotten (leaked)
    /// would otherwise read as one created with none.
    forgotten: AtomicUsize,
}

impl Resource for SemState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let free = self.permits.available();
        let total = self.total.load(Ordering::Relaxed);
        let closed = if self.permits.is_closed() {
            ", closed"
        } else {
            ""
        };
        let forgotten = match self.forgotten.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(", {n} forgotten"),
        };
        Some(format!("{free} of {total} permits{forgotten}{closed}"))
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold (tokio's limit too).
    pub const MAX_PERMITS: usize = Permits::MAX;

    /// A semaphore with `permits` free permits. Dumps show the caller's location as where it
    /// was created.
    ///
    /// # Panics
    /// When `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "a semaphore cannot have more than {} permits",
            Semaphore::MAX_PERMITS
        );
        Semaphore {
            state: resource::registered(SemState {
                core: ResourceCore::new(ResourceKind::Semaphore, Location::caller()),
                permits: Permits::new(permits),
                total: AtomicUsize::new(permits),
                forgotten: AtomicUsize::new(0),
            }),
        }
    }

    /// The number of free permits now.
    pub fn available_permits(&self) -> usize {
        self.state.permits.available()
    }

    /// Adds `n` permits, waking waiters that can now proceed.
    ///
    /// # Panics
    /// When the free permits would exceed [`Semaphore::MAX_PERMITS`].
    pub fn add_permits(&self, n: usize) {
        self.state.total.fetch_add(n, Ordering::Relaxed);
        self.state.permits.release(n);
    }

    /// Closes the semaphore: waiting and future acquires fail with [`AcquireError`]; permits
    /// already handed out stay valid.
    pub fn close(&self) {
        self.state.permits.close();
    }

    /// Whether [`Semaphore::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.state.permits.is_closed()
    }

    /// Waits for one permit.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `acquire` future holds no permit; it loses its place in the
    /// queue, and permits it had been handed go to the next waiters.
    #[inline]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits, taken all at once (never a part of them).
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire`].
    #[inline]
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wait: Waiter::new(n as usize),
            n,
        }
    }

    /// Takes one permit if one is free now.
    ///
    /// # Errors
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if that many are free now.
    ///
    /// # Errors
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.state.permits.try_acquire(n as usize)?;
        Ok(SemaphorePermit::new(self, n))
    }

    /// Waits for one permit of a semaphore behind an `Arc`, for a permit that owns it (and so
    /// can move into another task).
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire`].
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// Waits for `n` permits of a semaphore behind an `Arc`, for a permit that owns it.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Semaphore::acquire`].
    pub fn acquire_many_owned(self: Arc<Self>, n: u32) -> AcquireOwned {
        AcquireOwned {
            semaphore: Some(self),
            wait: Waiter::new(n as usize),
            n,
        }
    }

    /// Takes one permit of a semaphore behind an `Arc` if one is free now.
    ///
    /// # Errors
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.state.permits.try_acquire(1)?;
        Ok(OwnedSemaphorePermit::new(self, 1))
    }
}

impl fmt::Debug for Semaphore {
    /// The resource id and the permits, read from atomics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("id", &self.state.core.id())
            .field("available_permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl SemState {
    /// Polls an acquire of `n` permits (rule 2).
    #[inline]
    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        wait: &mut Waiter,
        n: u32,
    ) -> Poll<Result<(), AcquireError>> {
        match self.permits.poll_acquire(cx, wait) {
            Poll::Ready(Acquired::Permits) => Poll::Ready(Ok(())),
            Poll::Ready(Acquired::Closed) => Poll::Ready(Err(AcquireError(()))),
            Poll::Pending => {
                wait::set_resource(&self.core, ResourceOp::Acquire, u64::from(n));
                Poll::Pending
            }
        }
    }
}

/// The future [`Semaphore::acquire`] and [`Semaphore::acquire_many`] return.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    wait: Waiter,
    n: u32,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let semaphore = this.semaphore;
        semaphore
            .state
            .poll_acquire(cx, &mut this.wait, this.n)
            .map_ok(|()| SemaphorePermit::new(semaphore, this.n))
    }
}

impl Drop for Acquire<'_> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.state.permits.cancel(&mut self.wait);
    }
}

/// The future [`Semaphore::acquire_owned`] and [`Semaphore::acquire_many_owned`] return.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    semaphore: Option<Arc<Semaphore>>,
    wait: Waiter,
    n: u32,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let semaphore = this
            .semaphore
            .as_ref()
            .expect("AcquireOwned polled after it returned Ready");
        let out = std::task::ready!(semaphore.state.poll_acquire(cx, &mut this.wait, this.n));
        let semaphore = this.semaphore.take().expect("checked above");
        Poll::Ready(out.map(|()| OwnedSemaphorePermit::new(semaphore, this.n)))
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        if let Some(semaphore) = &self.semaphore {
            semaphore.state.permits.cancel(&mut self.wait);
        }
    }
}

/// Permits taken from a [`Semaphore`]; given back when dropped (rule 1).
#[must_use = "the permits are given back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: u32,
    hold: Option<Hold>,
}

impl<'a> SemaphorePermit<'a> {
    #[inline]
    fn new(semaphore: &'a Semaphore, permits: u32) -> SemaphorePermit<'a> {
        SemaphorePermit {
            semaphore,
            permits,
            hold: Some(semaphore.state.core.acquire(u64::from(permits))),
        }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Drops the permit without giving its permits back: the semaphore has that many fewer.
    pub fn forget(mut self) {
        forget(&self.semaphore.state, &mut self.hold, &mut self.permits);
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        release(&self.semaphore.state, &mut self.hold, self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.semaphore.state.core.id())
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits taken from a [`Semaphore`] behind an `Arc`, which the permit owns; given back when
/// dropped (rule 1).
#[must_use = "the permits are given back as soon as the permit is dropped"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: u32,
    hold: Option<Hold>,
}

impl OwnedSemaphorePermit {
    fn new(semaphore: Arc<Semaphore>, permits: u32) -> OwnedSemaphorePermit {
        let hold = Some(semaphore.state.core.acquire(u64::from(permits)));
        OwnedSemaphorePermit {
            semaphore,
            permits,
            hold,
        }
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits come from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }

    /// Drops the permit without giving its permits back: the semaphore has that many fewer.
    pub fn forget(mut self) {
        forget(&self.semaphore.state, &mut self.hold, &mut self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        release(&self.semaphore.state, &mut self.hold, self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("semaphore", &self.semaphore.state.core.id())
            .field("permits", &self.permits)
            .finish()
    }
}

/// Rule 1: the holder record first, then the permits.
#[inline]
fn release(state: &SemState, hold: &mut Option<Hold>, permits: u32) {
    if let Some(hold) = hold.take() {
        state.core.release(hold);
    }
    state.permits.release(permits as usize);
}

/// A permit's permits leave the semaphore for good.
fn forget(state: &SemState, hold: &mut Option<Hold>, permits: &mut u32) {
    if let Some(hold) = hold.take() {
        state.core.release(hold);
    }
    let n = std::mem::take(permits) as usize;
    state.total.fetch_sub(n, Ordering::Relaxed);
    state.forgotten.fetch_add(n, Ordering::Relaxed);
}
