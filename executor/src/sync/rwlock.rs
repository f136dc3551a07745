//! [`RwLock`]: `async_lock::RwLock` with its holders (readers and the writer) and its waiters
//! visible in dumps.
//!
//! Rules:
//! 1. A guard records its hold right after the inner lock is taken and gives it back right
//!    before the inner lock is released. Readers hold 1 each, a writer `resource::WRITER`,
//!    through the shared slots (`ResourceCore::acquire`): readers are many at once.
//! 2. A `read` or `write` future that returns `Pending` records `rwlock #N read` (or `write`).

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
use super::mutex::LockState;
use crate::resource::{Hold, WRITER};
use crate::task::wait::{self, ResourceOp};

/// An asynchronous reader-writer lock, like `tokio::sync::RwLock`: any number of readers or
/// one writer. Dumps name its holders with their mode (`held by task 3 (write) for 1.20s`)
/// and its waiters.
///
/// Writers are preferred: once a writer waits, new readers queue behind it, so a steady
/// stream of readers cannot starve it (async-lock's policy, as in tokio).
///
/// ```
/// use executor::sync::RwLock;
///
/// # let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// # rt.block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
///     assert!(lock.try_write().is_err());
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    /// What dumps see.
    state: Arc<LockState>,
    /// The lock and the value.
    lock: async_lock::RwLock<T>,
}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`. Dumps show the caller's location as where it was
    /// created.
    #[track_caller]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            state: LockState::new(ResourceKind::RwLock, Location::caller()),
            lock: async_lock::RwLock::new(value),
        }
    }

    /// The value, consuming the lock.
    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting while a writer holds the lock or waits for it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `read` future holds nothing and keeps no wake-up.
    pub fn read(&self) -> Read<'_, T> {
        Read {
            inner: self.lock.read(),
            state: &self.state,
        }
    }

    /// Locks for writing, waiting until nobody holds the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `write` future holds nothing and keeps no wake-up.
    pub fn write(&self) -> Write<'_, T> {
        Write {
            inner: self.lock.write(),
            state: &self.state,
        }
    }

    /// Locks for reading if that is possible now.
    ///
    /// # Errors
    /// [`TryLockError`] when a writer holds the lock or waits for it.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.lock.try_read() {
            Some(guard) => Ok(RwLockReadGuard::new(guard, &self.state)),
            None => Err(TryLockError(())),
        }
    }

    /// Locks for writing if nobody holds the lock now.
    ///
    /// # Errors
    /// [`TryLockError`] when anyone holds it.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.lock.try_write() {
            Some(guard) => Ok(RwLockWriteGuard::new(guard, &self.state)),
            None => Err(TryLockError(())),
        }
    }

    /// The value, through a unique borrow of the lock (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.lock.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    /// The resource id and whether it is locked; never waits for the lock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("id", &self.state.core.id())
            .field("locked", &self.state.core.is_held())
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future [`RwLock::read`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Read<'a, T: ?Sized> {
        #[pin]
        inner: async_lock::futures::Read<'a, T>,
        state: &'a Arc<LockState>,
    }
}

impl<'a, T: ?Sized> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockReadGuard<'a, T>> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(guard) => Poll::Ready(RwLockReadGuard::new(guard, this.state)),
            Poll::Pending => {
                wait::set_resource(&this.state.core, ResourceOp::Read, 1);
                Poll::Pending
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future [`RwLock::write`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Write<'a, T: ?Sized> {
        #[pin]
        inner: async_lock::futures::Write<'a, T>,
        state: &'a Arc<LockState>,
    }
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(guard) => Poll::Ready(RwLockWriteGuard::new(guard, this.state)),
            Poll::Pending => {
                wait::set_resource(&this.state.core, ResourceOp::Write, 1);
                Poll::Pending
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write").finish_non_exhaustive()
    }
}

/// Shared access to a read-locked [`RwLock`]'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    /// Rule 1: given back in `drop`, before `guard` unlocks.
    hold: Option<Hold>,
    state: &'a LockState,
    guard: async_lock::RwLockReadGuard<'a, T>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn new(guard: async_lock::RwLockReadGuard<'a, T>, state: &'a LockState) -> Self {
        RwLockReadGuard {
            hold: Some(state.core.acquire(1)),
            state,
            guard,
        }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(hold) = self.hold.take() {
            self.state.core.release(hold);
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Unique access to a write-locked [`RwLock`]'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    /// Rule 1: given back in `drop`, before `guard` unlocks.
    hold: Option<Hold>,
    state: &'a LockState,
    guard: async_lock::RwLockWriteGuard<'a, T>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn new(guard: async_lock::RwLockWriteGuard<'a, T>, state: &'a LockState) -> Self {
        RwLockWriteGuard {
            hold: Some(state.core.acquire(WRITER)),
            state,
            guard,
        }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(hold) = self.hold.take() {
            self.state.core.release(hold);
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
