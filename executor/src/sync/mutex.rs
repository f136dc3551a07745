//! [`Mutex`]: a one-permit [`Permits`] guarding an `UnsafeCell`, with its holder and its
//! waiters visible in dumps.
//!
//! Rules:
//! 1. The value is reached only through a guard, and a guard exists only while it owns the
//!    mutex's one permit: from the acquire that returned it to its `drop`. Permits hand the
//!    value from holder to holder with acquire/release ordering (`permits.rs` rule 7).
//! 2. The guard records its holder right after the permit is taken and gives the record back
//!    right before the permit is released (its `drop`), so the slot is only ever written by
//!    the task inside the critical section (`ResourceCore::acquire_exclusive`).
//! 3. A `lock` future that returns `Pending` records `mutex #N lock` as its task's wait.
//! 4. A `lock` future dropped while queued leaves the queue; one dropped after it was handed
//!    the lock and before it took it gives the permit to the next waiter
//!    (`permits.rs` rule 5), so no waiter is left asleep on a free lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use introspect::ResourceKind;

use super::error::TryLockError;
use super::permits::{Acquired, Permits, Waiter};
use crate::resource::{self, Hold, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// An asynchronous mutual-exclusion lock, like `tokio::sync::Mutex`, whose holder and waiters
/// dumps name: `mutex #4 (locked) created at src/db.rs:10:5: held by task 3 for 1.20s`.
///
/// Hold it across `.await` when you must (that is what an async mutex is for); for data only
/// touched between awaits, `std::sync::Mutex` is faster. First come, first served, as
/// tokio's: an unlock hands the lock to the task that has waited longest, and while anyone
/// waits a new `lock` (or `try_lock`) queues behind them.
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
    /// What dumps see: id, creation site, holder (in an allocation of its own, free of `T`,
    /// so that the registry can keep it whatever `T` is).
    state: Arc<LockState>,
    /// The one permit (rule 1).
    permits: Permits,
    /// The value, reached through guards only (rule 1).
    value: UnsafeCell<T>,
}

// SAFETY: a `&Mutex<T>` gives access to the `T` only through a guard, and at most one guard
// exists at a time (rule 1), handed over with acquire/release ordering: shared use of the
// mutex moves the `T` between threads, never shares it, so `T: Send` is enough (as for
// `std::sync::Mutex`). `Send` needs no impl: `UnsafeCell<T>` is `Send` when `T` is.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

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
            permits: Permits::new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, consuming the mutex (no lock needed: nobody else can hold it).
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting until it is free.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `lock` future does not hold the lock, and a lock it had been
    /// handed goes to the next waiter. It does lose its place in the queue.
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            wait: Waiter::new(1),
        }
    }

    /// Locks the mutex if it is free now.
    ///
    /// # Errors
    /// [`TryLockError`] when someone holds it.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.permits.try_acquire(1) {
            Ok(()) => Ok(MutexGuard::new(self)),
            Err(_) => Err(TryLockError(())),
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
            mutex: Some(self),
            wait: Waiter::new(1),
        }
    }

    /// Locks the mutex behind an `Arc` if it is free now.
    ///
    /// # Errors
    /// [`TryLockError`] when someone holds it.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.permits.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard::new(self)),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow of the mutex (no lock needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Polls a lock (rule 3).
    #[inline]
    fn poll_lock(&self, cx: &mut Context<'_>, wait: &mut Waiter) -> Poll<()> {
        match self.permits.poll_acquire(cx, wait) {
            Poll::Ready(Acquired::Permits) => Poll::Ready(()),
            Poll::Ready(Acquired::Closed) => unreachable!("a mutex's permits are never closed"),
            Poll::Pending => {
                wait::set_resource(&self.state.core, ResourceOp::Lock, 1);
                Poll::Pending
            }
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

/// The future [`Mutex::lock`] returns.
#[must_use = "futures do nothing unless polled"]
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    wait: Waiter,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        let mutex = this.mutex;
        mutex
            .poll_lock(cx, &mut this.wait)
            .map(|()| MutexGuard::new(mutex))
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        // Rule 4.
        self.mutex.permits.cancel(&mut self.wait);
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").finish_non_exhaustive()
    }
}

/// The future [`Mutex::lock_owned`] returns.
#[must_use = "futures do nothing unless polled"]
pub struct LockOwned<T: ?Sized> {
    mutex: Option<Arc<Mutex<T>>>,
    wait: Waiter,
}

impl<T: ?Sized> Future for LockOwned<T> {
    type Output = OwnedMutexGuard<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedMutexGuard<T>> {
        let this = &mut *self;
        let mutex = this
            .mutex
            .as_ref()
            .expect("LockOwned polled after it returned Ready");
        std::task::ready!(mutex.poll_lock(cx, &mut this.wait));
        let mutex = this.mutex.take().expect("checked above");
        Poll::Ready(OwnedMutexGuard::new(mutex))
    }
}

impl<T: ?Sized> Drop for LockOwned<T> {
    fn drop(&mut self) {
        // Rule 4.
        if let Some(mutex) = &self.mutex {
            mutex.permits.cancel(&mut self.wait);
        }
    }
}

impl<T: ?Sized> fmt::Debug for LockOwned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockOwned").finish_non_exhaustive()
    }
}

/// Access to a locked [`Mutex`]'s value; unlocks when dropped.
///
/// It can move to another thread when `T` can, and be shared between threads only when `T`
/// can be too (a shared guard shares the value):
///
/// ```compile_fail
/// fn sync<T: Sync>() {}
/// sync::<executor::sync::MutexGuard<'static, std::cell::Cell<u8>>>();
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Rule 2: given back in `drop`, before the permit.
    hold: Option<Hold>,
    /// `Sync` only when `T` is (a shared guard shares the `T`), as `&mut T` is.
    _value: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Rules 1 and 2: called with the permit just taken.
    fn new(mutex: &'a Mutex<T>) -> MutexGuard<'a, T> {
        MutexGuard {
            mutex,
            hold: Some(mutex.state.core.acquire_exclusive()),
            _value: PhantomData,
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        unlock(self.mutex, &mut self.hold);
    }
}

/// Rule 2: the holder record first, then the permit.
#[inline]
fn unlock<T: ?Sized>(mutex: &Mutex<T>, hold: &mut Option<Hold>) {
    if let Some(hold) = hold.take() {
        mutex.state.core.release(hold);
    }
    mutex.permits.release(1);
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard owns the mutex's only permit until it drops (rule 1), so no
        // other reference to the value exists; the borrow lasts no longer than `&self`.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` excludes every other borrow through it.
        unsafe { &mut *self.mutex.value.get() }
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
    mutex: Arc<Mutex<T>>,
    /// Rule 2: given back in `drop`, before the permit.
    hold: Option<Hold>,
    /// `Sync` only when `T` is, as for [`MutexGuard`].
    _value: PhantomData<T>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Rules 1 and 2: called with the permit just taken.
    fn new(mutex: Arc<Mutex<T>>) -> OwnedMutexGuard<T> {
        let hold = Some(mutex.state.core.acquire_exclusive());
        OwnedMutexGuard {
            mutex,
            hold,
            _value: PhantomData,
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        unlock(&self.mutex, &mut self.hold);
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: as for `MutexGuard::deref`: this guard owns the only permit (rule 1).
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `MutexGuard::deref_mut`.
        unsafe { &mut *self.mutex.value.get() }
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    /// Borrowed and owned guards on two threads reach the value one at a time, and the last
    /// one leaves the mutex free (under Miri, its race detector and borrow checks see every
    /// access through the `UnsafeCell`).
    #[test]
    fn guards_hand_the_value_over_between_threads() {
        let rounds = if cfg!(miri) { 30 } else { 10_000 };
        let m = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for i in 0..rounds {
                        if i % 2 == 0 {
                            block_on(m.lock()).push(t);
                        } else {
                            block_on(m.clone().lock_owned()).push(t);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(block_on(m.lock()).len(), 2 * rounds);
        assert!(m.try_lock().is_ok());
    }
}
