//! The one place that chooses between `std` and `loom` synchronisation primitives.
//!
//! Protocol code (the freeze handshake in the task record, the registry, parking) imports its
//! atomics and locks from here, so that `RUSTFLAGS="--cfg loom"` model-checks the very code
//! that ships. `Arc` stays `std`'s: reference counting is not part of any protocol here.

pub(crate) use std::sync::Arc;

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
