//! [`Semaphore`]: a counting semaphore on an atomic counter and `event-listener`, with its
//! permit holders and waiters visible in dumps.
//!
//! async-lock's semaphore takes one permit at a time and cannot be closed; tokio's API needs
//! both, so the counter is here and the queueing is event-listener's. Rules:
//! 1. `permits` is the number of free permits, with [`CLOSED`] in its top bit. Permits are
//!    taken by compare-and-swap only when enough are free, so it never goes negative.
//! 2. A waiter for one permit listens on `one`; a release of `n` permits wakes `n` more of
//!    them (`notify_additional`: a wake-up per permit, never absorbed by one already
//!    pending), in the order they started waiting. A woken waiter that finds the permits
//!    taken (by a task that came by and found them free) waits again: nothing is lost, the
//!    permits were consumed. A waiter that gets its permits discards the wake-up its listener
//!    may hold (it used it); one cancelled drops its listener, which passes the wake-up on.
//! 3. A waiter for several permits also counts itself in `many_waiters` and listens on
//!    `many`; a release wakes every such waiter, so a large request can never miss the moment
//!    enough permits are free. The release's `fetch_add` and load of `many_waiters` and the
//!    waiter's `fetch_add` and re-check of `permits` are all `SeqCst`: one of the two sees
//!    the other (the store-buffering pattern), so no waiter sleeps through its release.
//! 4. Closing sets [`CLOSED`] and wakes everyone; a closed semaphore hands out nothing, and
//!    permits given back after it are still counted (for `available_permits`).
//! 5. A permit records its holder (`ResourceCore::acquire` with its permit count) when it is
//!    handed out and gives the record back before its permits are returned.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener, Listener};
use introspect::ResourceKind;

use super::error::{AcquireError, TryAcquireError};
use crate::resource::{self, Hold, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// Rule 1: the closed flag, in the top bit of the free-permit count.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// A counting semaphore, like `tokio::sync::Semaphore`: at most N holders at once, each with
/// one or more permits. Dumps name every holder with its permits and every waiter:
/// `semaphore #2 (0 of 8 permits) created at src/pool.rs:12:9: held by task 3 (1 permit) ...`.
///
/// Waiters are woken in the order they started waiting, but a task that finds permits free
/// takes them even while others wait (like async-lock's semaphore): the semaphore is not
/// strictly first-come first-served as tokio's is, and a large `acquire_many` can be
/// overtaken by smaller requests while permits trickle back.
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
    /// Free permits and [`CLOSED`] (rule 1).
    permits: AtomicUsize,
    /// Permits in existence, free or held (for the detail; `forget` lowers it).
    total: AtomicUsize,
    /// Waiters for one permit (rule 2).
    one: Event,
    /// Waiters for several permits (rule 3).
    many: Event,
    /// How many wait on `many` (rule 3).
    many_waiters: AtomicUsize,
}

impl Resource for SemState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let permits = self.permits.load(Ordering::Relaxed);
        let free = permits & !CLOSED;
        let total = self.total.load(Ordering::Relaxed);
        let closed = if permits & CLOSED != 0 {
            ", closed"
        } else {
            ""
        };
        Some(format!("{free} of {total} permits{closed}"))
    }
}

impl SemState {
    /// Rule 1: takes `n` free permits if there are that many.
    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        // SeqCst: the re-check of rule 3.
        let mut current = self.permits.load(Ordering::SeqCst);
        loop {
            if current & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if current < n {
                return Err(TryAcquireError::NoPermits);
            }
            // SeqCst (rule 3), which includes the Acquire that shows a taker what the last
            // holder wrote under its permit.
            match self.permits.compare_exchange_weak(
                current,
                current - n,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => current = now,
            }
        }
    }

    /// Rules 2 and 3: gives `n` permits back and wakes who can use them.
    fn give_back(&self, n: usize) {
        if n == 0 {
            return;
        }
        // SeqCst: rule 3 (and Release for the next holder).
        let before = self.permits.fetch_add(n, Ordering::SeqCst);
        assert!(
            (before & !CLOSED) + n <= Semaphore::MAX_PERMITS,
            "a semaphore cannot have more than {} permits",
            Semaphore::MAX_PERMITS
        );
        self.one.notify_additional(n);
        if self.many_waiters.load(Ordering::SeqCst) > 0 {
            self.many.notify_additional(usize::MAX);
        }
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold (tokio's limit too).
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

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
                permits: AtomicUsize::new(permits),
                total: AtomicUsize::new(permits),
                one: Event::new(),
                many: Event::new(),
                many_waiters: AtomicUsize::new(0),
            }),
        }
    }

    /// The number of free permits now.
    pub fn available_permits(&self) -> usize {
        self.state.permits.load(Ordering::Acquire) & !CLOSED
    }

    /// Adds `n` permits, waking waiters that can now proceed.
    ///
    /// # Panics
    /// When the free permits would exceed [`Semaphore::MAX_PERMITS`].
    pub fn add_permits(&self, n: usize) {
        self.state.total.fetch_add(n, Ordering::Relaxed);
        self.state.give_back(n);
    }

    /// Closes the semaphore: waiting and future acquires fail with [`AcquireError`]; permits
    /// already handed out stay valid.
    pub fn close(&self) {
        // SeqCst: ordered with waiters' re-checks like a release (rule 3).
        self.state.permits.fetch_or(CLOSED, Ordering::SeqCst);
        self.state.one.notify_additional(usize::MAX);
        self.state.many.notify_additional(usize::MAX);
    }

    /// Whether [`Semaphore::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.state.permits.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Waits for one permit.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `acquire` future holds no permit, and a wake-up it had received
    /// passes to the next waiter.
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
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wait: Waiting::new(n),
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
        self.state.try_take(n as usize)?;
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
            wait: Waiting::new(n),
        }
    }

    /// Takes one permit of a semaphore behind an `Arc` if one is free now.
    ///
    /// # Errors
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.state.try_take(1)?;
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

/// The waiting part of an acquire future: rules 2 and 3.
struct Waiting {
    /// Permits wanted.
    n: u32,
    /// Listening for a release, when the last attempt failed.
    listener: Option<EventListener>,
    /// Counted in `many_waiters` (so uncounted on drop).
    counted: Option<Arc<SemState>>,
}

impl Waiting {
    fn new(n: u32) -> Waiting {
        Waiting {
            n,
            listener: None,
            counted: None,
        }
    }

    fn poll(
        &mut self,
        state: &Arc<SemState>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let n = self.n as usize;
        loop {
            match state.try_take(n) {
                Ok(()) => {
                    self.done();
                    return Poll::Ready(Ok(()));
                }
                Err(TryAcquireError::Closed) => {
                    self.done();
                    return Poll::Ready(Err(AcquireError(())));
                }
                Err(TryAcquireError::NoPermits) => {}
            }
            match &mut self.listener {
                Some(listener) => match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => self.listener = None,
                    Poll::Pending => {
                        wait::set_resource(&state.core, ResourceOp::Acquire, u64::from(self.n));
                        return Poll::Pending;
                    }
                },
                None if n > 1 => {
                    if self.counted.is_none() {
                        // SeqCst: rule 3; the loop re-checks `permits` after listening.
                        state.many_waiters.fetch_add(1, Ordering::SeqCst);
                        self.counted = Some(state.clone());
                    }
                    self.listener = Some(state.many.listen());
                }
                None => self.listener = Some(state.one.listen()),
            }
        }
    }

    /// Stops listening and uncounts itself, having got what it waited for: a wake-up its
    /// listener received is used up (discarded), where dropping the listener would pass it on
    /// to the next waiter and wake two waiters for one permit.
    fn done(&mut self) {
        if let Some(listener) = self.listener.take() {
            listener.discard();
        }
        self.uncount();
    }

    fn uncount(&mut self) {
        if let Some(state) = self.counted.take() {
            state.many_waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl fmt::Debug for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiting")
            .field("permits", &self.n)
            .field("listening", &self.listener.is_some())
            .finish()
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        // Cancelled: the listener, dropped after a wake-up it did not use, passes it on to
        // the next waiter (event-listener), which is what cancel safety needs.
        self.uncount();
    }
}

/// The future [`Semaphore::acquire`] and [`Semaphore::acquire_many`] return.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    wait: Waiting,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let semaphore = this.semaphore;
        this.wait
            .poll(&semaphore.state, cx)
            .map_ok(|()| SemaphorePermit::new(semaphore, this.wait.n))
    }
}

/// The future [`Semaphore::acquire_owned`] and [`Semaphore::acquire_many_owned`] return.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    semaphore: Option<Arc<Semaphore>>,
    wait: Waiting,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let semaphore = this
            .semaphore
            .as_ref()
            .expect("AcquireOwned polled after it returned Ready");
        let out = std::task::ready!(this.wait.poll(&semaphore.state, cx));
        let semaphore = this.semaphore.take().expect("checked above");
        Poll::Ready(out.map(|()| OwnedSemaphorePermit::new(semaphore, this.wait.n)))
    }
}

/// Permits taken from a [`Semaphore`]; given back when dropped (rule 5).
#[must_use = "the permits are given back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: u32,
    hold: Option<Hold>,
}

impl<'a> SemaphorePermit<'a> {
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
/// dropped (rule 5).
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

/// Rule 5: the holder record first, then the permits.
fn release(state: &SemState, hold: &mut Option<Hold>, permits: u32) {
    if let Some(hold) = hold.take() {
        state.core.release(hold);
    }
    state.give_back(permits as usize);
}

/// A permit's permits leave the semaphore for good.
fn forget(state: &SemState, hold: &mut Option<Hold>, permits: &mut u32) {
    if let Some(hold) = hold.take() {
        state.core.release(hold);
    }
    state
        .total
        .fetch_sub(std::mem::take(permits) as usize, Ordering::Relaxed);
}
