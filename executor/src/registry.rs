//! The task registry: every live task of a runtime, always on.
//!
//! Protocol (invariant I5 of DESIGN.md: a snapshot lists every live task exactly once):
//! 1. A task's record is inserted into exactly one shard before its first `Runnable` exists,
//!    and removed from that same shard, under the shard's lock, before the record's memory is
//!    freed. The record lives inside the task's own allocation (async-task's metadata), so the
//!    registry costs no allocation and no reference count per task; its entries are plain
//!    pointers, made valid by this rule.
//! 2. Entries are dereferenced only while their shard's lock is held, so a removal (which needs
//!    the lock) cannot free a record that is being read.
//! 3. A snapshot reads each shard under that shard's lock, so each shard is seen at one
//!    instant: a task alive across the whole snapshot is seen once, a removed task never.
//! 4. Writers hold a lock for a handful of instructions, never across user code or a wake.
//!    The fatal path only `try_lock`s, with a bounded spin: a dump never blocks on the runtime
//!    it inspects.

use std::ptr::NonNull;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::sync::{Mutex, MutexGuard, TryLockError};
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

/// A registered record.
#[derive(Debug)]
struct Entry(NonNull<TaskRecord>);

// SAFETY: `TaskRecord` is `Sync` (atomics and immutable fields), so sharing a pointer to it
// between threads is sound as long as it is valid when dereferenced, which rules 1-2 ensure.
unsafe impl Send for Entry {}

impl Entry {
    /// The record. The caller must hold the lock of the shard this entry is in.
    fn record(&self) -> &TaskRecord {
        // SAFETY: rule 1: the record outlives its entry (the `insert` contract); rule 2: the
        // caller holds the shard lock, so the entry cannot be removed, nor the record freed,
        // while the reference is used inside the locked section (the borrow of the guard
        // bounds it).
        unsafe { self.0.as_ref() }
    }
}

/// Every live task of one runtime, sharded so spawns on different workers do not contend.
#[derive(Debug)]
pub(crate) struct Registry {
    shards: Box<[Mutex<Slab<Entry>>]>,
}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        Registry {
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(Slab::new()))
                .collect(),
        }
    }

    fn shard(&self, index: usize) -> MutexGuard<'_, Slab<Entry>> {
        // A panic never happens while a shard is locked (no user code runs under it), so a
        // poisoned lock still holds a consistent slab.
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves a slot and calls `spawn(slot)` under the shard lock; `spawn` returns the
    /// task's record (at its final address) and whatever the caller wants back. The entry is
    /// complete before any `Runnable` of the task can run.
    ///
    /// # Safety
    /// The record must stay valid at that address until [`Registry::remove`] has been called
    /// with the slot and has returned (rule 1).
    pub(crate) unsafe fn insert<R>(
        &self,
        shard_hint: usize,
        spawn: impl FnOnce(Slot) -> (NonNull<TaskRecord>, R),
    ) -> R {
        let shard = shard_hint % self.shards.len();
        let mut slab = self.shard(shard);
        let vacant = slab.vacant_entry();
        let slot = Slot {
            shard: shard as u32,
            key: u32::try_from(vacant.key()).expect("more than 2^32 live tasks in one shard"),
        };
        let (record, out) = spawn(slot);
        vacant.insert(Entry(record));
        out
    }

    /// The task's record is about to be freed.
    pub(crate) fn remove(&self, slot: Slot) {
        self.shard(slot.shard as usize)
            .try_remove(slot.key as usize);
    }

    /// Calls `f` on every live task, each once, shard by shard under the shard's lock: `f`
    /// must be short and must not spawn or drop tasks of this runtime.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&TaskRecord)) {
        for index in 0..self.shards.len() {
            for (_, entry) in self.shard(index).iter() {
                f(entry.record());
            }
        }
    }

    /// Like [`Registry::for_each`] but never waits longer than `bound` in total for locks: for
    /// the fatal path, where a thread holding a shard lock may be frozen. Returns how many
    /// shards stayed locked (their tasks are missing).
    pub(crate) fn for_each_bounded(
        &self,
        bound: Duration,
        mut f: impl FnMut(&TaskRecord),
    ) -> usize {
        let deadline = Instant::now() + bound;
        let mut locked_shards = 0;
        for shard in self.shards.iter() {
            let slab = loop {
                match shard.try_lock() {
                    Ok(slab) => break Some(slab),
                    Err(TryLockError::Poisoned(p)) => break Some(p.into_inner()),
                    Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                        std::thread::yield_now();
                    }
                    Err(TryLockError::WouldBlock) => break None,
                }
            };
            match slab {
                Some(slab) => slab.iter().for_each(|(_, e)| f(e.record())),
                None => locked_shards += 1,
            }
        }
        locked_shards
    }

    /// Takes every stored waker, for shutdown: waking them (outside the locks) lets the
    /// scheduler drop each task's future.
    pub(crate) fn take_wakers(&self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        self.for_each(|r| wakers.extend(r.take_waker()));
        wakers
    }
}
