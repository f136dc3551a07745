//! A worker's local run queue: a fixed-size ring with one owner and any number of stealers.
//!
//! Positions are `u32` counters that only grow (wrapping; a CAS could mistake a wrapped
//! counter for the one it read only if 2^32 operations happened in between); position `p`
//! lives in slot `p % CAPACITY`. Three counters describe the ring, in this order along it:
//! `steal <= head <= tail`.
//! - `tail`: the next position the owner writes.
//! - `head`: the next position to take.
//! - `steal`: the first position a stealer is still copying out; equal to `head` when no
//!   steal is in progress.
//!
//! `steal` and `head` share one `AtomicU64`, so one compare-and-swap (CAS) can both claim a
//! range and mark it as still being copied.
//!
//! Rules:
//! 1. One owner ([`Owner`]: `Send`, not `Sync`, made once per queue) writes every slot and is
//!    the only writer of `tail`. It keeps its own copy of `tail`, so it never loads the atomic.
//! 2. Slots in `[steal, tail)` may hold tasks, and `tail - steal <= CAPACITY`. The owner
//!    writes position `tail` only after a load of `head` showed `tail - steal < CAPACITY`, so
//!    it never overwrites a slot that a stealer is still copying out (`[steal, head)`).
//! 3. A task is taken by exactly one thread: whoever moves `head` past its position with a
//!    successful CAS. The owner's pop moves `head` by one (and `steal` with it unless a steal
//!    is in progress, which keeps its mark).
//! 4. One steal at a time per queue. A stealer starts only when `steal == head`: it CASes
//!    `(steal, head)` from `(h, h)` to `(h, h + n)`, copies `[h, h + n)` out, then CASes
//!    `steal` up to `head` (which the owner's pops may have moved meanwhile). By rule 2 the
//!    owner cannot reuse those slots before that second CAS. A stealer takes half the tasks,
//!    rounded up, and no more than its own queue has room for plus the one it returns.
//! 5. Overflow: the owner, finding its queue full with no steal in progress, claims the
//!    older half with one CAS from `(h, h)` to `(h + half, h + half)` and hands those tasks
//!    and the new one, oldest first, to the [`Overflow`] (the injector) in one batch. Full
//!    while a steal is in progress, it hands over just the new task: the steal frees room.
//! 6. Any thread may take tasks through a [`Stealer`] (shutdown drains the queue of a worker
//!    that has exited that way). It is a steal of one task (rule 4), so it waits while
//!    another thread's steal is in progress; steals never block, so the wait is short.
//! 7. Orderings. `tail` is stored with `Release` after the slot write and loaded by other
//!    threads with `Acquire`, so the tasks below a `tail` they read are visible to them.
//!    Every CAS that writes `head` is `Release` and every load of it that a decision rests on
//!    is `Acquire`; since every thread that moves `head` to `h` has seen (or written) a
//!    `tail >= h` first, a thread that reads `head == h` then reads a `tail >= h`.
//!
//! What the owner pays per task. Push: one load of `head` and one store of `tail`, no
//! read-modify-write (on x86 both are plain `mov`s). Pop: one CAS, uncontended unless a
//! stealer works on this queue at that moment, on a cache line the owner already holds. The
//! pop keeps its CAS because it takes from the end stealers take from: a plain store of
//! `head` could overwrite a stealer's claim made between the owner's load and its store, and
//! both would take the same task. Ruling that out without a read-modify-write needs a
//! store-load fence on every pop (Dekker's pattern between the owner's and the stealers'
//! claims), which costs what an uncontended CAS costs; popping from the tail end instead
//! (Chase-Lev) would make the queue LIFO, which yields must not be (scheduler rule 1).
//!
//! Checked by the loom models in `loom_models/queue.rs` (capacity 4 under loom) and the
//! stress test `tests/local_queue.rs`.

use std::cell::Cell;
use std::fmt;
use std::iter;
use std::mem::MaybeUninit;

use super::LOCAL_QUEUE_CAPACITY;
use crate::loom_sync::{spin_wait, AtomicU32, AtomicU64, ModeledArc as Arc, Ordering, UnsafeCell};

/// How many tasks a queue holds.
pub const CAPACITY: usize = LOCAL_QUEUE_CAPACITY;

// The position arithmetic below relies on these.
const _: () = assert!(CAPACITY.is_power_of_two() && CAPACITY >= 2 && CAPACITY <= 1 << 16);

/// [`CAPACITY`] in position units.
const CAP: u32 = CAPACITY as u32;
/// Slot of a position: `position & MASK`.
const MASK: u32 = CAP - 1;

/// Where a full queue sends tasks (rule 5): the injector.
pub trait Overflow<T> {
    /// Takes `tasks`, oldest first.
    fn push_batch(&self, tasks: impl Iterator<Item = T>);
}

/// Makes an empty queue: its owner's handle and the first of its stealers' handles.
pub fn new<T>() -> (Owner<T>, Stealer<T>) {
    let slots: Box<[_]> = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let Ok(slots) = slots.try_into() else {
        unreachable!("{CAPACITY} slots were made")
    };
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        slots,
    });
    let owner = Owner {
        inner: inner.clone(),
        tail: Cell::new(0),
    };
    (owner, Stealer { inner })
}

/// The owner's handle: push to the back, pop from the front, steal into (rule 1).
pub struct Owner<T> {
    /// The ring.
    inner: Arc<Inner<T>>,
    /// The owner's copy of `inner.tail`, which only the owner writes (rule 1).
    tail: Cell<u32>,
}

/// A handle for any thread: length, stealing, and taking tasks one by one (rule 6).
pub struct Stealer<T> {
    /// The ring.
    inner: Arc<Inner<T>>,
}

/// The ring both handles share. Aligned so that no other data shares the cache lines of its
/// counters (128 bytes: the prefetcher of recent x86 cores pulls lines in pairs): every push
/// and pop writes them, and each worker's ring is allocated next to the others'.
#[repr(align(128))]
struct Inner<T> {
    /// `steal` in the high half, `head` in the low half (see the module doc).
    head: AtomicU64,
    /// Written by the owner only (rule 1).
    tail: AtomicU32,
    /// Position `p` lives in `slots[p & MASK]`; initialised exactly in `[steal, tail)`.
    slots: Box<[UnsafeCell<MaybeUninit<T>>; CAPACITY]>,
}

// SAFETY: the ring moves `T`s between threads (so `T: Send`) and never hands out a `&T`; its
// slots are accessed only as rules 1-4 allow, which never lets two threads touch one slot at
// once without a happens-before edge between them (rule 7).
unsafe impl<T: Send> Sync for Inner<T> {}

/// What a stealer's claim (rule 4) got.
enum Claim {
    /// Nothing to take.
    Empty,
    /// Another steal is in progress.
    Busy,
    /// `[first, first + n)` is this thread's to copy out; `n >= 1`.
    Taken { first: u32, n: u32 },
}

impl<T> Owner<T> {
    /// Pushes `task` to the back; a full queue sends half of itself and `task` to `overflow`
    /// (rule 5).
    pub fn push_back(&self, task: T, overflow: &impl Overflow<T>) {
        let mut task = task;
        let tail = self.tail.get();
        loop {
            // Acquire: pairs with the `Release` of a stealer's last CAS (rule 4), so its
            // copies out of the slots it claimed happen before this thread reuses them.
            let (steal, head) = unpack(self.inner.head.load(Ordering::Acquire));
            if tail.wrapping_sub(steal) < CAP {
                break;
            }
            if steal != head {
                overflow.push_batch(iter::once(task));
                return;
            }
            match self.overflow_half(head, task, overflow) {
                Ok(()) => return,
                // A stealer claimed tasks first: there may be room now.
                Err(t) => task = t,
            }
        }
        // SAFETY: this is the owner (rule 1), and the load above saw `tail - steal < CAP`:
        // no stealer reads this slot (rule 2).
        unsafe { self.write(tail, task) };
        self.publish(tail.wrapping_add(1));
    }

    /// Pushes `task` to the back, or gives it back if the queue is full.
    pub fn try_push(&self, task: T) -> Result<(), T> {
        let tail = self.tail.get();
        // Acquire: as in `push_back`.
        let (steal, _) = unpack(self.inner.head.load(Ordering::Acquire));
        if tail.wrapping_sub(steal) >= CAP {
            return Err(task);
        }
        // SAFETY: as in `push_back`.
        unsafe { self.write(tail, task) };
        self.publish(tail.wrapping_add(1));
        Ok(())
    }

    /// Pops the task at the front.
    pub fn pop(&self) -> Option<T> {
        let tail = self.tail.get();
        // Relaxed: the value only seeds the CAS below, which fails if it is stale.
        let mut packed = self.inner.head.load(Ordering::Relaxed);
        let position = loop {
            let (steal, head) = unpack(packed);
            if head == tail {
                return None;
            }
            let next = head.wrapping_add(1);
            // Rule 3: a steal in progress keeps its mark.
            let new = if steal == head {
                pack(next, next)
            } else {
                pack(steal, next)
            };
            // Release: rule 7 (the owner published `tail > head` before). Relaxed on
            // failure: the value read only seeds the next try.
            match self.inner.head.compare_exchange_weak(
                packed,
                new,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break head,
                Err(actual) => packed = actual,
            }
        };
        // SAFETY: the CAS took `position` for this thread (rule 3); the owner wrote it, and
        // the owner is this thread.
        Some(unsafe { self.inner.take(position) })
    }

    /// Steals half of `victim`'s tasks (rule 4) into this queue and returns one of them, the
    /// oldest. `None` if `victim` is empty, another thread is stealing from it, or this
    /// queue has no room.
    pub fn steal_from(&self, victim: &Stealer<T>) -> Option<T> {
        debug_assert!(
            !Arc::ptr_eq(&self.inner, &victim.inner),
            "a queue stealing from itself"
        );
        let tail = self.tail.get();
        // Acquire: as in `push_back`, for the slots written below.
        let (steal, _) = unpack(self.inner.head.load(Ordering::Acquire));
        let room = CAP - tail.wrapping_sub(steal);
        let Claim::Taken { first, n } = victim.inner.claim(room + 1) else {
            return None;
        };
        // SAFETY: the claim gave `[first, first + n)` to this thread (rule 3), and the
        // claim's `Acquire` load of the victim's `tail` made their writes visible (rule 7).
        let task = unsafe { victim.inner.take(first) };
        for i in 1..n {
            // SAFETY: as for `first`.
            let moved = unsafe { victim.inner.take(first.wrapping_add(i)) };
            // SAFETY: this is the owner of this queue (rule 1), and the `n - 1 <= room`
            // positions from `tail` are free of stealers (rule 2, by the load above).
            unsafe { self.write(tail.wrapping_add(i - 1), moved) };
        }
        victim.inner.end_steal(first, n);
        if n > 1 {
            self.publish(tail.wrapping_add(n - 1));
        }
        Some(task)
    }

    /// Whether the queue is empty, as far as its owner knows (a steal may be emptying it).
    pub fn is_empty(&self) -> bool {
        // Relaxed: a hint; a stale `head` only makes the queue look fuller.
        let (_, head) = unpack(self.inner.head.load(Ordering::Relaxed));
        head == self.tail.get()
    }

    /// Rule 5 on a full queue whose `steal == head`.
    #[cold]
    fn overflow_half(&self, head: u32, task: T, overflow: &impl Overflow<T>) -> Result<(), T> {
        let half = CAP / 2;
        let end = head.wrapping_add(half);
        // Release: rule 7. Relaxed on failure: the caller starts over with a fresh load.
        if self
            .inner
            .head
            .compare_exchange(
                pack(head, head),
                pack(end, end),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return Err(task);
        }
        let taken = (0..half).map(|i| {
            // SAFETY: the CAS took `[head, end)` for this thread, the owner, which wrote them
            // (rules 1 and 3).
            unsafe { self.inner.take(head.wrapping_add(i)) }
        });
        overflow.push_batch(taken.chain(iter::once(task)));
        Ok(())
    }

    /// Writes `task` at `position`.
    ///
    /// # Safety
    /// The caller is the owner (rule 1) and no stealer reads the slot (rule 2).
    unsafe fn write(&self, position: u32, task: T) {
        self.inner.slot(position).with_mut(|slot| {
            // SAFETY: the caller's contract: no other thread accesses this slot now. Its old
            // contents, if any, were moved out (a `MaybeUninit` drops nothing).
            unsafe { slot.write(MaybeUninit::new(task)) }
        });
    }

    /// Makes the positions below `tail` visible to stealers.
    fn publish(&self, tail: u32) {
        // Release: a thread that loads this value with `Acquire` sees the slot writes before
        // it (rule 7).
        self.inner.tail.store(tail, Ordering::Release);
        self.tail.set(tail);
    }
}

impl<T> Stealer<T> {
    /// How many tasks the queue holds (a moment ago).
    pub fn len(&self) -> usize {
        self.inner.len() as usize
    }

    /// Whether the queue holds no task (a moment ago).
    pub fn is_empty(&self) -> bool {
        self.inner.len() == 0
    }

    /// Takes the task at the front, from any thread (rule 6).
    pub fn pop(&self) -> Option<T> {
        loop {
            match self.inner.claim(1) {
                Claim::Empty => return None,
                Claim::Busy => spin_wait(),
                Claim::Taken { first, n } => {
                    debug_assert_eq!(n, 1);
                    // SAFETY: the claim gave `first` to this thread (rule 3) and made its
                    // write visible (rule 7).
                    let task = unsafe { self.inner.take(first) };
                    self.inner.end_steal(first, n);
                    return Some(task);
                }
            }
        }
    }
}

impl<T> Inner<T> {
    fn slot(&self, position: u32) -> &UnsafeCell<MaybeUninit<T>> {
        &self.slots[(position & MASK) as usize]
    }

    /// Moves the task at `position` out.
    ///
    /// # Safety
    /// The calling thread took `position` (rule 3), and the task's write happens before this.
    unsafe fn take(&self, position: u32) -> T {
        self.slot(position).with(|slot| {
            // SAFETY: by the caller's contract the slot holds a task whose write is visible,
            // and no other thread reads it (it was taken once) or writes it (rule 2).
            unsafe { slot.read().assume_init() }
        })
    }

    /// Claims half the tasks, rounded up and at most `max` (rule 4, first CAS).
    fn claim(&self, max: u32) -> Claim {
        // Acquire: rule 7, so the `tail` read below is at least this `head`.
        let mut packed = self.head.load(Ordering::Acquire);
        loop {
            let (steal, head) = unpack(packed);
            if steal != head {
                return Claim::Busy;
            }
            // Acquire: pairs with the owner's `Release` store, so the tasks below this tail
            // are visible here (rule 7).
            let tail = self.tail.load(Ordering::Acquire);
            // Beyond `CAP` only if `head` moved since it was read; then the CAS fails.
            let available = tail.wrapping_sub(head).min(CAP);
            let n = (available - available / 2).min(max);
            if n == 0 {
                return Claim::Empty;
            }
            // Release: rule 7 (the tail read above is at least `head + n`). Acquire on
            // failure: the value read seeds the next try, whose `tail` read needs rule 7.
            match self.head.compare_exchange_weak(
                packed,
                pack(head, head.wrapping_add(n)),
                Ordering::Release,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // Rule 2 held when `tail` was read, with `steal == head` ever since.
                    debug_assert!(tail.wrapping_sub(head) <= CAP);
                    return Claim::Taken { first: head, n };
                }
                Err(actual) => packed = actual,
            }
        }
    }

    /// Ends the steal of `[first, first + n)` (rule 4, second CAS): the owner may reuse
    /// those slots once it sees this.
    fn end_steal(&self, first: u32, n: u32) {
        // The owner's pops may have moved `head` since the claim; nothing else moves it.
        let mut packed = pack(first, first.wrapping_add(n));
        loop {
            let (steal, head) = unpack(packed);
            debug_assert_eq!(steal, first);
            // Release: pairs with the owner's `Acquire` load of `head` before a slot write,
            // so this thread's copies out happen before the slots are reused (rule 2).
            // Relaxed on failure: the value read only seeds the next try.
            match self.head.compare_exchange_weak(
                packed,
                pack(head, head),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => packed = actual,
            }
        }
    }

    /// How many tasks the queue holds (a moment ago).
    fn len(&self) -> u32 {
        // Acquire (both): rule 7, so `tail >= head` here.
        let (_, head) = unpack(self.head.load(Ordering::Acquire));
        let tail = self.tail.load(Ordering::Acquire);
        // `tail` may be newer than `head` by more than a full queue.
        tail.wrapping_sub(head).min(CAP)
    }
}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` means both handles are gone, and dropping an `Arc` orders
        // every use through another handle before this.
        let (steal, head) = unpack(self.head.load(Ordering::Relaxed));
        let tail = self.tail.load(Ordering::Relaxed);
        debug_assert_eq!(steal, head, "a steal outlived its stealer");
        let mut position = head;
        while position != tail {
            // SAFETY: `[head, tail)` holds tasks nobody took, and nobody else can access the
            // ring any more.
            drop(unsafe { self.take(position) });
            position = position.wrapping_add(1);
        }
    }
}

impl<T> Clone for Stealer<T> {
    fn clone(&self) -> Stealer<T> {
        Stealer {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Owner<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Owner")
            .field("len", &self.inner.len())
            .finish()
    }
}

impl<T> fmt::Debug for Stealer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stealer").field("len", &self.len()).finish()
    }
}

/// The halves of `Inner::head`.
fn unpack(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

/// `Inner::head` from its halves.
fn pack(steal: u32, head: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(head)
}

/// A queue of its own for tests: the overflow goes to a vector.
#[cfg(test)]
impl<T> Overflow<T> for std::cell::RefCell<Vec<T>> {
    fn push_batch(&self, tasks: impl Iterator<Item = T>) {
        self.borrow_mut().extend(tasks);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts its drops in a shared counter.
    struct Counted<'a>(&'a AtomicUsize);

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn drain(owner: &Owner<u32>) -> Vec<u32> {
        iter::from_fn(|| owner.pop()).collect()
    }

    #[test]
    fn pops_in_push_order() {
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        assert!(owner.pop().is_none());
        for i in 0..10 {
            owner.push_back(i, &overflow);
        }
        assert_eq!(stealer.len(), 10);
        assert_eq!(owner.pop(), Some(0));
        owner.push_back(10, &overflow);
        assert_eq!(drain(&owner), (1..=10).collect::<Vec<_>>());
        assert!(owner.is_empty() && stealer.is_empty());
        assert!(overflow.borrow().is_empty());
    }

    #[test]
    fn wraps_around_many_times() {
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        let mut next_out = 0;
        for i in 0..(CAP * 10) {
            owner.push_back(i, &overflow);
            if i % 3 == 2 {
                // About half full from then on.
                let pops = if stealer.len() > CAPACITY / 2 { 3 } else { 2 };
                for _ in 0..pops {
                    assert_eq!(owner.pop(), Some(next_out));
                    next_out += 1;
                }
            }
            assert!(stealer.len() <= CAPACITY);
        }
        assert!(
            overflow.borrow().is_empty(),
            "never more than a third queued"
        );
        assert_eq!(drain(&owner), (next_out..CAP * 10).collect::<Vec<_>>());
    }

    #[test]
    fn full_queue_overflows_half_and_the_new_task() {
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        for i in 0..CAP {
            owner.push_back(i, &overflow);
        }
        assert_eq!(stealer.len(), CAPACITY);
        assert!(overflow.borrow().is_empty());
        assert_eq!(owner.try_push(CAP), Err(CAP));
        owner.push_back(CAP, &overflow);
        let mut expected: Vec<u32> = (0..CAP / 2).collect();
        expected.push(CAP);
        assert_eq!(*overflow.borrow(), expected);
        assert_eq!(stealer.len(), CAPACITY / 2);
        assert_eq!(drain(&owner), (CAP / 2..CAP).collect::<Vec<_>>());
    }

    #[test]
    fn steal_takes_half_rounded_up_oldest_first() {
        let (thief, thief_stealer) = new();
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        for i in 0..7 {
            owner.push_back(i, &overflow);
        }
        assert_eq!(thief.steal_from(&stealer), Some(0));
        assert_eq!(thief_stealer.len(), 3);
        assert_eq!(stealer.len(), 3);
        assert_eq!(drain(&thief), vec![1, 2, 3]);
        assert_eq!(drain(&owner), vec![4, 5, 6]);
        assert_eq!(thief.steal_from(&stealer), None);
        owner.push_back(7, &overflow);
        assert_eq!(thief.steal_from(&stealer), Some(7));
        assert!(thief.is_empty() && owner.is_empty());
    }

    #[test]
    fn steal_stops_at_the_room_left() {
        let (thief, _) = new();
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        for i in 0..CAP - 1 {
            thief.push_back(1000 + i, &overflow);
        }
        for i in 0..CAP {
            owner.push_back(i, &overflow);
        }
        // One slot left: one task into it, one returned.
        assert_eq!(thief.steal_from(&stealer), Some(0));
        assert_eq!(stealer.len(), CAPACITY - 2);
        let got = drain(&thief);
        assert_eq!(got.len(), CAPACITY);
        assert_eq!(got.last(), Some(&1));
        assert!(overflow.borrow().is_empty());
    }

    #[test]
    fn stealer_pop_takes_from_the_front() {
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        for i in 0..3 {
            owner.push_back(i, &overflow);
        }
        let other = stealer.clone();
        assert_eq!(other.pop(), Some(0));
        assert_eq!(owner.pop(), Some(1));
        assert_eq!(stealer.pop(), Some(2));
        assert_eq!(stealer.pop(), None);
        // The owner goes on after the stealer's pops.
        owner.push_back(3, &overflow);
        assert_eq!(owner.pop(), Some(3));
    }

    #[test]
    fn len_counts_only_queued_tasks() {
        let (owner, stealer) = new();
        let overflow = RefCell::new(Vec::new());
        assert_eq!(stealer.len(), 0);
        owner.push_back(1, &overflow);
        owner.push_back(2, &overflow);
        assert_eq!(stealer.len(), 2);
        assert!(!stealer.is_empty() && !owner.is_empty());
        owner.pop();
        assert_eq!(stealer.len(), 1);
        stealer.pop();
        assert_eq!(stealer.len(), 0);
        assert!(stealer.is_empty() && owner.is_empty());
    }

    #[test]
    fn every_task_dropped_once() {
        let drops = AtomicUsize::new(0);
        {
            let (owner, stealer) = new();
            let overflow = RefCell::new(Vec::new());
            for _ in 0..CAP + 1 {
                owner.push_back(Counted(&drops), &overflow);
            }
            // Half and the new task overflowed.
            assert_eq!(overflow.borrow().len(), CAPACITY / 2 + 1);
            drop(owner.pop());
            drop(stealer.pop());
            assert_eq!(drops.load(Ordering::Relaxed), 2);
            drop(owner);
            assert_eq!(
                drops.load(Ordering::Relaxed),
                2,
                "the stealer keeps the ring"
            );
            assert_eq!(stealer.len(), CAPACITY / 2 - 2);
        }
        assert_eq!(drops.load(Ordering::Relaxed), CAPACITY + 1);
    }

    #[test]
    fn handles_cross_threads() {
        fn assert_send<T: Send>() {}
        fn assert_sync<T: Sync>() {}
        assert_send::<Owner<u32>>();
        assert_send::<Stealer<u32>>();
        assert_sync::<Stealer<u32>>();
    }
}
