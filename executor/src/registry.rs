//! The task registry: every live task of a runtime, always on.
//!
//! Protocol (invariant I5 of DESIGN.md: a snapshot lists every live task exactly once):
//! 1. A task is inserted into exactly one shard before its first `Runnable` exists, and
//!    removed from that same shard when its allocation is freed (its metadata is dropped).
//! 2. A snapshot copies each shard under that shard's lock, so each shard is seen at one
//!    instant: a task alive across the whole snapshot is seen once, a removed task never.
//! 3. Locks are held for a handful of instructions, never across user code or a wake. The
//!    fatal path only `try_lock`s, with a bounded spin: a dump never blocks on the runtime it
//!    inspects.

use std::time::{Duration, Instant};

use slab::Slab;

use crate::sync::{Arc, Mutex, MutexGuard, TryLockError};
use crate::task::record::TaskRecord;

/// Where a task's entry lives: shard index and slab key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    shard: u32,
    key: u32,
}

impl Slot {
    /// A slot for records that no registry holds (model tests).
    #[cfg(loom)]
    pub(crate) fn unregistered() -> Slot {
        Slot {
            shard: u32::MAX,
            key: u32::MAX,
        }
    }
}

/// Every live task of one runtime, sharded so spawns on different workers do not contend.
#[derive(Debug)]
pub(crate) struct Registry {
    shards: Box<[Mutex<Slab<Arc<TaskRecord>>>]>,
}

/// What a bounded snapshot of the registry found.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The records, each live task once.
    pub(crate) records: Vec<Arc<TaskRecord>>,
    /// Shards that stayed locked for the whole bound (only possible on the fatal path).
    pub(crate) locked_shards: usize,
}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        Registry {
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(Slab::new()))
                .collect(),
        }
    }

    fn shard(&self, index: usize) -> MutexGuard<'_, Slab<Arc<TaskRecord>>> {
        // A panic never happens while a shard is locked (no user code runs under it), so a
        // poisoned lock still holds a consistent slab.
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a slot and calls `spawn(slot)` under the shard lock; `spawn` returns the
    /// task's record and whatever the caller wants back. The entry is complete before any
    /// `Runnable` of the task can run (rule 1).
    pub(crate) fn insert<R>(
        &self,
        shard_hint: usize,
        spawn: impl FnOnce(Slot) -> (Arc<TaskRecord>, R),
    ) -> R {
        let shard = shard_hint % self.shards.len();
        let mut slab = self.shard(shard);
        let vacant = slab.vacant_entry();
        let slot = Slot {
            shard: shard as u32,
            key: u32::try_from(vacant.key()).expect("more than 2^32 live tasks in one shard"),
        };
        let (record, out) = spawn(slot);
        vacant.insert(record);
        out
    }

    /// The task's allocation is being freed.
    pub(crate) fn remove(&self, slot: Slot) {
        let entry = self
            .shard(slot.shard as usize)
            .try_remove(slot.key as usize);
        drop(entry);
    }

    /// Every live task, each once; blocks only for the short critical sections of spawns
    /// and drops.
    pub(crate) fn list(&self) -> Vec<Arc<TaskRecord>> {
        let mut out = Vec::new();
        for index in 0..self.shards.len() {
            out.extend(self.shard(index).iter().map(|(_, r)| r.clone()));
        }
        out
    }

    /// Like [`Registry::list`] but never blocks longer than `bound` in total: for the fatal
    /// path, where a thread holding a shard lock may be frozen.
    pub(crate) fn list_bounded(&self, bound: Duration) -> Listing {
        let deadline = Instant::now() + bound;
        let mut listing = Listing::default();
        for shard in self.shards.iter() {
            loop {
                match shard.try_lock() {
                    Ok(slab) => {
                        listing.records.extend(slab.iter().map(|(_, r)| r.clone()));
                        break;
                    }
                    Err(TryLockError::Poisoned(p)) => {
                        let slab = p.into_inner();
                        listing.records.extend(slab.iter().map(|(_, r)| r.clone()));
                        break;
                    }
                    Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                        std::thread::yield_now();
                    }
                    Err(TryLockError::WouldBlock) => {
                        listing.locked_shards += 1;
                        break;
                    }
                }
            }
        }
        listing
    }

    /// Takes every stored waker, for shutdown: waking them lets the scheduler drop each
    /// task's future.
    pub(crate) fn take_wakers(&self) -> Vec<std::task::Waker> {
        self.list().iter().filter_map(|r| r.take_waker()).collect()
    }
}
