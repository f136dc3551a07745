//! The task registry: every live task of a runtime, always on, and the home of task records.
//!
//! Protocol (invariant I5 of ARCHITECTURE.md: a snapshot lists every live task exactly once;
//! I7: the fatal path never waits without bound on it):
//! 1. A spawned task's record lives in the registry's arena: pages of record cells that never
//!    move and are freed only with the registry. Not in the task allocation: async-task takes
//!    `&mut` over its metadata while dropping it, and a snapshot may be reading the record at
//!    that moment (a data race Miri reports). The task's metadata holds a [`RecordRef`].
//! 2. A cell is written (the record moved in) and vacated (the record moved out) only under its
//!    shard's lock, and its occupied bit changes only there. Between the two the record stays
//!    at that address.
//! 3. Readers dereference a cell only under its shard's lock and only while its bit is set.
//!    The task's own side (its metadata, `JoinHandle`, `AbortHandle`) dereferences its
//!    `RecordRef` only while it keeps the task allocation alive; the metadata's `Drop` is the
//!    only caller of [`Registry::remove`], so the cell cannot be vacated under them.
//! 4. Scans hold a shard's lock for at most [`SCAN_CHUNK`] cells, then release it. A task alive
//!    for a whole scan keeps one cell, which the scan visits once: it is listed exactly once.
//!    A task removed before the scan starts is never listed.
//! 5. Between chunks a live scan that sees the freezing flag, on any thread but the fatal one,
//!    parks for good (`freeze::hold`). So a fatal path that has set the flag waits at most
//!    about two chunks for each shard lock, whatever live readers are doing.
//! 6. Writers hold a lock for a handful of instructions, never across user code or a wake; a
//!    removed record is dropped after the lock is released.
//!
//! `block_on` futures also have records, but few and with wakers that may outlive the call,
//! so each is a separate `Arc` in a small side table with the same rules 4-6.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::loom_sync::{Arc, Mutex, MutexGuard, TryLockError};
use crate::task::record::{Row, StateKind, TaskRecord};
use crate::trace::{Target, ThreadTrace};

/// Cells per arena page.
#[cfg(not(loom))]
const PAGE_CELLS: usize = 128;
#[cfg(loom)]
const PAGE_CELLS: usize = 2;

/// Cells a scan visits per lock hold (rule 4): 64 row copies take a few microseconds, so a
/// spawn never waits long behind a snapshot.
#[cfg(not(loom))]
pub(crate) const SCAN_CHUNK: usize = 64;
#[cfg(loom)]
pub(crate) const SCAN_CHUNK: usize = 1;

/// Where a spawned task's record lives: shard and cell index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlotId {
    shard: u32,
    index: u32,
}

/// A pointer to a record in the arena (rule 3 says who may follow it, and when).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordRef(NonNull<TaskRecord>);

// SAFETY: `TaskRecord` is `Sync` (atomics and fields written once), so the pointer may be
// shared across threads; when it may be followed is rule 3's business, not the thread's.
unsafe impl Send for RecordRef {}
// SAFETY: as above.
unsafe impl Sync for RecordRef {}

impl RecordRef {
    /// The record.
    ///
    /// # Safety
    /// The caller keeps the task's allocation (and so its metadata, whose drop removes the
    /// record) alive for `'a` (rule 3).
    pub(crate) unsafe fn get<'a>(self) -> &'a TaskRecord {
        // SAFETY: the cell holds an initialised record until `remove`, which the caller's
        // contract puts after `'a`; records are only ever shared, never `&mut` (rule 2 moves
        // them in and out through raw pointers under the lock).
        unsafe { self.0.as_ref() }
    }
}

type Cell = UnsafeCell<MaybeUninit<TaskRecord>>;

/// One arena page: `PAGE_CELLS` cells, allocated once, freed with the registry.
struct Page(NonNull<Cell>);

impl Page {
    fn new() -> Page {
        let cells: Box<[Cell]> = (0..PAGE_CELLS)
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect();
        // A raw pointer, not a `Box`, so moving the page list never retags the cells that
        // record pointers point into.
        let raw = Box::into_raw(cells).cast::<Cell>();
        Page(NonNull::new(raw).expect("Box::into_raw is never null"))
    }

    /// The record pointer of cell `i`.
    fn cell(&self, i: usize) -> *mut TaskRecord {
        debug_assert!(i < PAGE_CELLS);
        // SAFETY: `i < PAGE_CELLS`, the length of the allocation.
        let cell = unsafe { self.0.as_ptr().add(i) };
        // `MaybeUninit<T>` has `T`'s layout; `UnsafeCell::raw_get` keeps write permission.
        UnsafeCell::raw_get(cell).cast::<TaskRecord>()
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.0.as_ptr(), PAGE_CELLS);
        // SAFETY: the pointer came from `Box::into_raw` of a slice of this length, and the
        // page is dropped once. The cells are `MaybeUninit`: nothing in them is dropped, and
        // the registry is only dropped once every task (whose metadata keeps the runtime, and
        // so the registry, alive) is gone.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// What a shard's lock protects.
struct ShardState {
    pages: Vec<Page>,
    /// One bit per cell: set while the cell holds a record (rule 2).
    occupied: Vec<u64>,
    /// Vacant cells below `used`, reused last-in first-out (warm cache lines).
    free: Vec<u32>,
    /// Cells ever handed out; cells at or above it were never written.
    used: usize,
}

// SAFETY: the page pointers are owned by the shard state (freed in its drop), and the records
// behind them are `Send + Sync`; moving the state between threads moves that ownership.
unsafe impl Send for ShardState {}

impl ShardState {
    fn new() -> ShardState {
        ShardState {
            pages: Vec::new(),
            occupied: Vec::new(),
            free: Vec::new(),
            used: 0,
        }
    }

    fn cell(&self, index: usize) -> *mut TaskRecord {
        self.pages[index / PAGE_CELLS].cell(index % PAGE_CELLS)
    }

    fn is_occupied(&self, index: usize) -> bool {
        self.occupied[index / 64] & (1 << (index % 64)) != 0
    }

    fn set_occupied(&mut self, index: usize, on: bool) {
        let word = &mut self.occupied[index / 64];
        if on {
            *word |= 1 << (index % 64);
        } else {
            *word &= !(1 << (index % 64));
        }
    }

    /// A vacant cell, growing the arena by a page when none is left.
    fn vacant(&mut self) -> usize {
        if let Some(index) = self.free.pop() {
            return index as usize;
        }
        if self.used == self.pages.len() * PAGE_CELLS {
            self.pages.push(Page::new());
            self.occupied
                .resize((self.pages.len() * PAGE_CELLS).div_ceil(64), 0);
        }
        self.used += 1;
        self.used - 1
    }

    /// Calls `f` on the records of cells `from..from + SCAN_CHUNK`; returns where the next
    /// chunk starts, or `None` at the end.
    fn scan_chunk(&self, from: usize, f: &mut impl FnMut(&TaskRecord)) -> Option<usize> {
        let end = (from + SCAN_CHUNK).min(self.used);
        for index in from..end {
            if self.is_occupied(index) {
                // SAFETY: rule 3: the bit is set and this thread holds the shard lock, so
                // the cell holds a record that nobody can move out until the lock is released,
                // and the reference does not outlive this call.
                f(unsafe { &*self.cell(index) });
            }
        }
        (end < self.used).then_some(end)
    }
}

/// A `block_on` future's record and the hook that asks its thread for a trace poll.
type BlockOnEntry = (Arc<TaskRecord>, Arc<dyn ThreadTrace>);

/// Every live task of one runtime, sharded so spawns on different workers do not contend.
pub(crate) struct Registry {
    shards: Box<[Mutex<ShardState>]>,
    /// `block_on` records (see the module docs), each with its thread's trace hook.
    block_on: Mutex<Slab<BlockOnEntry>>,
}

/// What a bounded scan could not read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Unread {
    /// Shards (the `block_on` table counts as one) whose lock stayed taken until the bound;
    /// their tasks, or the rest of them, are missing.
    pub(crate) shards: usize,
}

impl Registry {
    pub(crate) fn new(shards: usize) -> Registry {
        Registry {
            shards: (0..shards.max(1))
                .map(|_| Mutex::new(ShardState::new()))
                .collect(),
            block_on: Mutex::new(Slab::new()),
        }
    }

    fn shard(&self, index: usize) -> MutexGuard<'_, ShardState> {
        lock(&self.shards[index])
    }

    /// Moves `record` into a vacant cell (rule 2) and returns where it is. The task's
    /// `Runnable` does not exist yet, so the record is complete before it can run.
    pub(crate) fn insert(&self, shard_hint: usize, record: TaskRecord) -> (SlotId, RecordRef) {
        let shard = shard_hint % self.shards.len();
        let mut state = self.shard(shard);
        let index = state.vacant();
        let cell = state.cell(index);
        // SAFETY: rule 2: the cell is vacant (its bit is clear and no `RecordRef` to it is in
        // use: the last one died with its task before `remove`) and this thread holds the lock.
        unsafe { cell.write(record) };
        state.set_occupied(index, true);
        let slot = SlotId {
            shard: shard as u32,
            index: u32::try_from(index).expect("more than 2^32 live tasks in one registry shard"),
        };
        let record = RecordRef(NonNull::new(cell).expect("arena cells are never null"));
        (slot, record)
    }

    /// Moves the task's record out of the registry and drops it.
    ///
    /// # Safety
    /// `slot` came from [`Registry::insert`] on this registry and was not removed yet, and no
    /// reference obtained from its `RecordRef` is used from now on (rule 3: only the task
    /// metadata's `Drop` calls this).
    pub(crate) unsafe fn remove(&self, slot: SlotId) {
        let index = slot.index as usize;
        let record = {
            let mut state = self.shard(slot.shard as usize);
            debug_assert!(state.is_occupied(index), "a task record removed twice");
            state.set_occupied(index, false);
            state.free.push(slot.index);
            // SAFETY: rule 2: the bit was set, so the cell holds a record; this thread holds
            // the lock and the caller's contract says nobody else uses the record any more.
            unsafe { state.cell(index).read() }
        };
        // Rule 6: the name's memory is freed outside the lock.
        drop(record);
    }

    /// Registers a `block_on` record and the hook that asks its thread for a trace poll;
    /// `remove_block_on` with the key unregisters it.
    pub(crate) fn insert_block_on(
        &self,
        record: Arc<TaskRecord>,
        tracer: Arc<dyn ThreadTrace>,
    ) -> usize {
        lock(&self.block_on).insert((record, tracer))
    }

    pub(crate) fn remove_block_on(&self, key: usize) {
        let record = lock(&self.block_on).try_remove(key);
        drop(record);
    }

    /// Calls `f` on every live task, each once (rule 4), blocking on locks but holding each for
    /// one chunk only. For live snapshots: between chunks it stands still for a fatal dump
    /// (rule 5). `f` runs under a shard lock: it must be short, and must not spawn, drop or
    /// wake tasks.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&TaskRecord)) {
        self.scan_live(
            || {
                crate::freeze::hold();
                false
            },
            |r, _| f(r),
        );
    }

    /// Every live task's row (see [`TaskRecord::row`]), as [`Registry::for_each`] visits
    /// them; with a trace target for the idle ones when `for_trace`.
    pub(crate) fn rows(&self, for_trace: bool, mut f: impl FnMut(Row)) {
        self.scan_live(
            || {
                crate::freeze::hold();
                false
            },
            |r, thread| f(row(r, thread, for_trace)),
        );
    }

    /// [`Registry::rows`] for the fatal path: never waits longer than `bound` in total for
    /// locks, and never parks (a thread holding one may be frozen).
    pub(crate) fn rows_bounded(
        &self,
        bound: Duration,
        for_trace: bool,
        mut f: impl FnMut(Row),
    ) -> Unread {
        self.scan_bounded(bound, |r, thread| f(row(r, thread, for_trace)))
    }

    /// The scan of [`Registry::for_each`], with `stop` asked between chunks (rule 5); returns
    /// `false` if `stop` ended it early. (The loom models stand in for `freeze::hold` with it.)
    #[cfg(loom)]
    pub(crate) fn for_each_until(
        &self,
        stop: impl FnMut() -> bool,
        mut f: impl FnMut(&TaskRecord),
    ) -> bool {
        self.scan_live(stop, |r, _| f(r))
    }

    fn scan_live(
        &self,
        mut stop: impl FnMut() -> bool,
        mut f: impl FnMut(&TaskRecord, Option<&Arc<dyn ThreadTrace>>),
    ) -> bool {
        let mut spawned = |r: &TaskRecord| f(r, None);
        for shard in self.shards.iter() {
            let mut next = Some(0);
            while let Some(from) = next {
                next = lock(shard).scan_chunk(from, &mut spawned);
                if stop() {
                    return false;
                }
            }
        }
        for (_, (record, thread)) in lock(&self.block_on).iter() {
            f(record, Some(thread));
        }
        true
    }

    /// Like [`Registry::for_each`] but never waits longer than `bound` in total for locks and
    /// never parks: for the fatal path, where a thread holding a lock may be frozen.
    #[cfg(loom)]
    pub(crate) fn for_each_bounded(
        &self,
        bound: Duration,
        mut f: impl FnMut(&TaskRecord),
    ) -> Unread {
        self.scan_bounded(bound, |r, _| f(r))
    }

    fn scan_bounded(
        &self,
        bound: Duration,
        mut f: impl FnMut(&TaskRecord, Option<&Arc<dyn ThreadTrace>>),
    ) -> Unread {
        let mut budget = bound;
        let mut unread = Unread::default();
        let mut spawned = |r: &TaskRecord| f(r, None);
        for shard in self.shards.iter() {
            let mut next = Some(0);
            while let Some(from) = next {
                match try_lock_within(shard, &mut budget) {
                    Some(state) => next = state.scan_chunk(from, &mut spawned),
                    None => {
                        unread.shards += 1;
                        break;
                    }
                }
            }
        }
        match try_lock_within(&self.block_on, &mut budget) {
            Some(table) => table
                .iter()
                .for_each(|(_, (record, thread))| f(record, Some(thread))),
            None => unread.shards += 1,
        }
        unread
    }

    /// Takes every stored waker, for shutdown: waking them (outside the locks) lets the
    /// scheduler drop each task's future.
    pub(crate) fn take_wakers(&self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        self.for_each(|r| wakers.extend(r.take_waker()));
        wakers
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// A record's row, with its trace target: the record's waker for a spawned task, the
/// thread's hook for a `block_on` future.
fn row(record: &TaskRecord, thread: Option<&Arc<dyn ThreadTrace>>, for_trace: bool) -> Row {
    let mut row = record.row(for_trace && thread.is_none());
    if let Some(thread) = thread {
        // Scheduled too: a woken `block_on` future waits for its own thread, not in a queue a
        // frozen worker owns, and that thread answers tracers even while it stands frozen.
        let waiting = matches!(row.state.kind(), StateKind::Idle | StateKind::Scheduled);
        if for_trace && waiting {
            row.trace_target = Some(Target::Thread(thread.clone()));
        }
        row.block_on = Some(thread.clone());
    }
    row
}

/// A lock that nothing can leave inconsistent: no code that can panic runs under these locks,
/// so a poisoned one still holds consistent data.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tries `mutex`, yielding the core between tries, while `budget` (the time a scan may
/// spend waiting, in all) lasts; the time waited is taken from it. Only waiting counts: the
/// scan's own work, however long on a big registry, does not.
fn try_lock_within<'m, T>(mutex: &'m Mutex<T>, budget: &mut Duration) -> Option<MutexGuard<'m, T>> {
    let mut waited_since = None;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(take_waited(guard, waited_since, budget)),
            Err(TryLockError::Poisoned(p)) => {
                return Some(take_waited(p.into_inner(), waited_since, budget))
            }
            Err(TryLockError::WouldBlock) => {
                let since = *waited_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= *budget {
                    *budget = Duration::ZERO;
                    return None;
                }
                crate::loom_sync::yield_now();
            }
        }
    }
}

fn take_waited<G>(guard: G, waited_since: Option<Instant>, budget: &mut Duration) -> G {
    if let Some(since) = waited_since {
        *budget = budget.saturating_sub(since.elapsed());
    }
    guard
}
