//! Taking the runtime's own `std` locks: ignoring poison, and giving up after a while on paths
//! that must not block (the fatal dump, snapshots, stack captures).
//!
//! The registry has its own pair (`registry.rs`), built on `loom_sync` so loom models it.

use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Instant;

/// Locks `mutex`, poisoned or not: no code that can panic runs under the runtime's own locks,
/// so a poisoned one still holds consistent data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tries `mutex` until `deadline`, calling `pause` between tries; `None` if it stayed taken.
pub(crate) fn try_lock_until<T>(
    mutex: &Mutex<T>,
    deadline: Instant,
    pause: impl Fn(),
) -> Option<MutexGuard<'_, T>> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => pause(),
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}
