//! [`Mutex`]: `async_lock::Mutex` with its holder and its waiters visible in dumps.
//!
//! Rules:
//! 1. The guard records its holder right after the inner lock is taken and gives the record
//!    back right before the inner lock is released (field order in the guards), so the slot
//!    is only ever written by the task inside the critical section
//!    (`ResourceCore::acquire_exclusive`).
//! 2. A `lock` future that returns `Pending` records `mutex #N lock` as its task's wait.
//! 3. Cancelling a `lock` future is async-lock's business: its listener, dropped, passes a
//!    wake-up it received on to the next waiter, so no waiter is left asleep on a free lock.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use introspect::ResourceKind;
use pin_project_lite::pin_project;

use super::error::TryLockError;
use crate::resource::{self, Hold, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// An asynchronous mutual-exclusion lock, like `tokio::sync::Mutex`, whose holder and waiters
/// dumps name: `mutex #4 (locked) created at src/db.rs:10:5: held by task 3 for 1.20s`.
///
/// Hold it across `.await` when you must (that is what an async mutex is for); for data only
/// touched between awaits, `std::sync::Mutex` is faster. Waiters are woken in the order they
/// started waiting; a task that finds the lock free may take it before a woken waiter runs
/// (async-lock's policy, which bounds that with a starvation guard), where tokio's mutex is
/// strictly first-come first-served.
///
/// ```
/// use std::sync::Arc;
/// use executor::sync::Mutex;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let count = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..10)
///     .map(|_| {
///         let count = count.clone();
///         executor::spawn(async move { *count.lock().await += 1 })
///     })
///     .collect();
/// for t in tasks {
///     t.await.unwrap();
/// }
/// assert_eq!(*count.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    /// What dumps see: id, creation site, holder.
    state: Arc<LockState>,
    /// The lock and the value, in an `Arc` of their own so that [`Mutex::lock_owned`] can use
    /// async-lock's owned guard. Invariant: every clone of this `Arc` is owned by something
    /// that also owns an `Arc<Mutex<T>>` (an owned guard or its future), so a `Mutex` held by
    /// value owns the only one (what [`Mutex::into_inner`] relies on).
    lock: Arc<async_lock::Mutex<T>>,
}

/// The part of a lock dumps read: no `T`, so it can be registered whatever `T` is.
#[derive(Debug)]
pub(crate) struct LockState {
    /// Identity, creation site and holders.
    pub(crate) core: ResourceCore,
}

impl Resource for LockState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        Some(
            if self.core.is_held() {
                "locked"
            } else {
                "unlocked"
            }
            .to_owned(),
        )
    }
}

impl LockState {
    /// A registered state for a new lock of `kind` created at `site`.
    pub(crate) fn new(kind: ResourceKind, site: &'static Location<'static>) -> Arc<LockState> {
        resource::registered(LockState {
            core: ResourceCore::new(kind, site),
        })
    }
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`. Dumps show the caller's location as where it was
    /// created.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            state: LockState::new(ResourceKind::Mutex, Location::caller()),
            lock: Arc::new(async_lock::Mutex::new(value)),
        }
    }

    /// The value, consuming the mutex (no lock needed: nobody else can hold it).
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.lock) {
            Ok(lock) => lock.into_inner(),
            // The invariant on `lock`: a mutex held by value owns the only clone.
            Err(_) => unreachable!("an owned guard outlived its Arc<Mutex>"),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting until it is free.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `lock` future does not hold the lock and does not keep a
    /// wake-up from the next waiter. It does lose its place in the queue.
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            inner: self.lock.lock(),
            state: &self.state,
        }
    }

    /// Locks the mutex if it is free now.
    ///
    /// # Errors
    /// [`TryLockError`] when someone holds it.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.lock.try_lock() {
            Some(guard) => Ok(MutexGuard::new(guard, &self.state)),
            None => Err(TryLockError(())),
        }
    }

    /// Locks the mutex behind an `Arc`, for a guard that owns its mutex and so can be moved
    /// into another task (tokio's `lock_owned`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, like [`Mutex::lock`].
    pub fn lock_owned(self: Arc<Self>) -> LockOwned<T> {
        LockOwned {
            inner: self.lock.lock_arc(),
            mutex: Some(self),
        }
    }

    /// Locks the mutex behind an `Arc` if it is free now.
    ///
    /// # Errors
    /// [`TryLockError`] when someone holds it.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.lock.try_lock_arc() {
            Some(guard) => Ok(OwnedMutexGuard::new(guard, self)),
            None => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow of the mutex (no lock needed).
    pub fn get_mut(&mut self) -> &mut T {
        match Arc::get_mut(&mut self.lock) {
            Some(lock) => lock.get_mut(),
            // The invariant on `lock`: `&mut Mutex` means no owned guard exists.
            None => unreachable!("an owned guard outlived its Arc<Mutex>"),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    /// The resource id and whether it is locked; never waits for the lock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("id", &self.state.core.id())
            .field("locked", &self.state.core.is_held())
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future [`Mutex::lock`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Lock<'a, T: ?Sized> {
        #[pin]
        inner: async_lock::futures::Lock<'a, T>,
        state: &'a Arc<LockState>,
    }
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(guard) => Poll::Ready(MutexGuard::new(guard, this.state)),
            Poll::Pending => {
                wait::set_resource(&this.state.core, ResourceOp::Lock, 1);
                Poll::Pending
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future [`Mutex::lock_owned`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct LockOwned<T: ?Sized> {
        #[pin]
        inner: async_lock::futures::LockArc<T>,
        mutex: Option<Arc<Mutex<T>>>,
    }
}

impl<T: ?Sized> Future for LockOwned<T> {
    type Output = OwnedMutexGuard<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedMutexGuard<T>> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(guard) => {
                let mutex = this
                    .mutex
                    .take()
                    .expect("LockOwned polled after it returned Ready");
                Poll::Ready(OwnedMutexGuard::new(guard, mutex))
            }
            Poll::Pending => {
                if let Some(mutex) = this.mutex {
                    wait::set_resource(&mutex.state.core, ResourceOp::Lock, 1);
                }
                Poll::Pending
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for LockOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockOwned").finish_non_exhaustive()
    }
}

/// Access to a locked [`Mutex`]'s value; unlocks when dropped.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    /// Rule 1: given back in `drop`, before `guard` unlocks.
    hold: Option<Hold>,
    state: &'a LockState,
    guard: async_lock::MutexGuard<'a, T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(guard: async_lock::MutexGuard<'a, T>, state: &'a LockState) -> MutexGuard<'a, T> {
        MutexGuard {
            hold: Some(state.core.acquire_exclusive()),
            state,
            guard,
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(hold) = self.hold.take() {
            self.state.core.release(hold);
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A [`MutexGuard`] that owns an `Arc` of its mutex ([`Mutex::lock_owned`]): `'static` when
/// `T` is, so it can move into a spawned task.
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    /// Rule 1: given back in `drop`, before `guard` unlocks.
    hold: Option<Hold>,
    guard: async_lock::MutexGuardArc<T>,
    mutex: Arc<Mutex<T>>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    fn new(guard: async_lock::MutexGuardArc<T>, mutex: Arc<Mutex<T>>) -> OwnedMutexGuard<T> {
        OwnedMutexGuard {
            hold: Some(mutex.state.core.acquire_exclusive()),
            guard,
            mutex,
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        if let Some(hold) = self.hold.take() {
            self.mutex.state.core.release(hold);
        }
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
