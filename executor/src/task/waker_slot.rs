//! A slot for one `Waker`, set once, cloned or taken from any thread.
//!
//! It replaces a `Mutex<Option<Waker>>` in every task record: the spawn path writes it and
//! the end of the task's future takes it, so a mutex cost two lock/unlock pairs per task
//! (7% of the remote-spawn benchmark's profile). Here setting is one store and taking one
//! compare-and-swap plus one store.
//!
//! Protocol: `state` is `EMPTY`, `FULL` or `BUSY`.
//! 1. `set` moves `EMPTY` to `BUSY` (it is called once, at spawn, so it never waits), writes
//!    the waker, then stores `FULL` with Release.
//! 2. `take` and `get` move `FULL` to `BUSY` with a compare-and-swap (Acquire: they see the
//!    write of rule 1), read or move the waker out, then store `EMPTY` (take) or `FULL` (get)
//!    with Release. While `BUSY` no one else touches the cell; others spin, for the few
//!    instructions a clone or a move takes.
//! 3. In `EMPTY` the cell holds no waker; in `FULL` it holds an initialised one.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::task::Waker;

// Not `crate::loom_sync`: the slot is not part of any loom model, and std's atomics give `get_mut`.
use std::sync::atomic::{AtomicU8, Ordering};

const EMPTY: u8 = 0;
const FULL: u8 = 1;
const BUSY: u8 = 2;

/// See the module docs.
pub(crate) struct WakerSlot {
    state: AtomicU8,
    waker: UnsafeCell<MaybeUninit<Waker>>,
}

// SAFETY: the cell is accessed only by the thread that moved `state` to `BUSY` (rules 1-2),
// or through `&mut self`; `Waker` is `Send + Sync`.
unsafe impl Sync for WakerSlot {}

impl WakerSlot {
    pub(crate) fn new() -> WakerSlot {
        WakerSlot {
            state: AtomicU8::new(EMPTY),
            waker: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Rule 1. Returns the waker back if the slot was already set.
    pub(crate) fn set(&self, waker: Waker) -> Result<(), Waker> {
        if self
            .state
            .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(waker);
        }
        // SAFETY: this thread moved EMPTY to BUSY: the cell holds no waker (rule 3) and no
        // other thread touches it until the store below.
        unsafe { (*self.waker.get()).write(waker) };
        self.state.store(FULL, Ordering::Release);
        Ok(())
    }

    /// Whether the slot holds a waker. `BUSY` counts as holding one: a `get` puts it back, and
    /// a `take` in progress has not emptied the slot yet.
    pub(crate) fn is_set(&self) -> bool {
        // Acquire pairs with the Release store of `EMPTY` in `take`: whoever sees the slot
        // empty sees everything its taker did before (the harness dropping the future).
        self.state.load(Ordering::Acquire) != EMPTY
    }

    /// Moves `FULL` to `BUSY`; `false` if the slot is empty.
    fn lock(&self) -> bool {
        loop {
            match self
                .state
                .compare_exchange_weak(FULL, BUSY, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(EMPTY) => return false,
                Err(_) => std::hint::spin_loop(),
            }
        }
    }

    /// Like [`WakerSlot::get`], but gives up after a bounded spin: for the fatal path, which
    /// must not wait on a thread that stopped between rule 2's two steps.
    pub(crate) fn try_get(&self) -> Option<Waker> {
        for _ in 0..1_000 {
            match self
                .state
                .compare_exchange_weak(FULL, BUSY, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => {
                    // SAFETY: as in `get`.
                    let waker = unsafe { (*self.waker.get()).assume_init_ref().clone() };
                    self.state.store(FULL, Ordering::Release);
                    return Some(waker);
                }
                Err(EMPTY) => return None,
                Err(_) => std::hint::spin_loop(),
            }
        }
        None
    }

    /// Takes the waker out (rule 2).
    pub(crate) fn take(&self) -> Option<Waker> {
        if !self.lock() {
            return None;
        }
        // SAFETY: this thread moved FULL to BUSY, so the cell holds an initialised waker
        // (rule 3) and no other thread touches it until the store below (rule 2).
        let waker = unsafe { (*self.waker.get()).assume_init_read() };
        self.state.store(EMPTY, Ordering::Release);
        Some(waker)
    }

    /// A clone of the waker, leaving it in place (rule 2).
    pub(crate) fn get(&self) -> Option<Waker> {
        if !self.lock() {
            return None;
        }
        // SAFETY: as in `take`; the waker stays initialised, so FULL is restored.
        let waker = unsafe { (*self.waker.get()).assume_init_ref().clone() };
        self.state.store(FULL, Ordering::Release);
        Some(waker)
    }
}

impl Drop for WakerSlot {
    fn drop(&mut self) {
        if *self.state.get_mut() == FULL {
            // SAFETY: rule 3; `&mut self` excludes everyone else.
            unsafe { self.waker.get_mut().assume_init_drop() };
        }
    }
}

impl std::fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WakerSlot")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn counting_waker() -> (Waker, Arc<()>) {
        struct W(#[allow(dead_code)] Arc<()>);
        impl std::task::Wake for W {
            fn wake(self: Arc<Self>) {}
        }
        let token = Arc::new(());
        (Waker::from(Arc::new(W(token.clone()))), token)
    }

    #[test]
    fn set_get_take_and_drop_balance_references() {
        let (waker, token) = counting_waker();
        let slot = WakerSlot::new();
        assert!(slot.get().is_none());
        slot.set(waker).unwrap();
        let (second, _t) = counting_waker();
        assert!(slot.set(second).is_err());
        let clone = slot.get().unwrap();
        assert_eq!(Arc::strong_count(&token), 2);
        drop(clone);
        let taken = slot.take().unwrap();
        assert!(slot.take().is_none());
        drop(taken);
        assert_eq!(Arc::strong_count(&token), 1);
        let (waker, token) = counting_waker();
        slot.set(waker)
            .unwrap_or_else(|_| panic!("empty after take"));
        drop(slot);
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn concurrent_take_and_get_hand_out_the_waker_once() {
        for _ in 0..if cfg!(miri) { 10 } else { 200 } {
            let (waker, token) = counting_waker();
            let slot = Arc::new(WakerSlot::new());
            slot.set(waker).unwrap();
            let threads: Vec<_> = (0..4)
                .map(|i| {
                    let slot = slot.clone();
                    std::thread::spawn(move || {
                        if i % 2 == 0 {
                            slot.take().is_some() as usize
                        } else {
                            drop(slot.get());
                            0
                        }
                    })
                })
                .collect();
            let takes: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(takes, 1);
            assert_eq!(Arc::strong_count(&token), 1);
        }
    }
}
