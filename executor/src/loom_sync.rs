//! The one place that chooses between `std` and `loom` synchronisation primitives.
//!
//! Protocol code (the freeze handshake in the task record, the registry, parking, the local run
//! queues) imports its atomics, locks and cells from here, so that `--cfg loom` model-checks
//! the very code that ships. `Arc` stays `std`'s where reference counting is not part of a
//! protocol; [`ModeledArc`] is loom's under loom, for memory whose last owner frees what
//! other threads wrote (a run queue's ring).

pub(crate) use std::sync::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::Arc as ModeledArc;
/// An `Arc` whose drop loom models: under loom, the thread that drops the last reference is
/// seen to synchronise with every other holder, as `std`'s `Arc` guarantees.
#[cfg(not(loom))]
pub(crate) use std::sync::Arc as ModeledArc;

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{fence, AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering},
    Mutex, MutexGuard, TryLockError,
};
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{fence, AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering},
    Mutex, MutexGuard,
};
#[cfg(loom)]
pub(crate) use loom::thread::yield_now;

#[cfg(loom)]
pub(crate) use std::sync::TryLockError;

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `std`'s `UnsafeCell` behind loom's closure-based API, so that under loom every access to
/// the cell's contents is checked for a data race.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer for reading the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer for writing the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Lets another thread run while this one waits for it: yields the core normally, and is a
/// scheduling point under loom (a loom model that spins without one never ends).
pub(crate) fn spin_wait() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}
