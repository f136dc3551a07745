//! [`Permits`]: the counting semaphore under [`Semaphore`](super::Semaphore) and
//! [`Mutex`](super::Mutex) (one permit): a word of free permits and a first-come first-served
//! queue of waiters, as in tokio's semaphore. Taking and giving back permits nobody waits for
//! is one atomic read-modify-write each; the queue's lock is taken only when someone waits.
//!
//! Rules:
//! 1. `word` holds the free permits (above [`SHIFT`]) and two flags, [`CLOSED`] and
//!    [`QUEUED`]. Permits are taken by compare-and-swap only when enough are free, so the count
//!    never goes negative.
//! 2. [`QUEUED`] is set exactly while the queue holds a waiter, and changes only under the
//!    queue's lock. While it is set, free permits belong to the queue: an acquire that sees it
//!    waits in line (no barging past a waiter, so a large request is not starved by small
//!    ones), and a release that sees it in the word its `fetch_add` replaced locks the queue
//!    and hands permits out.
//! 3. Hand-out, under the lock: waiters get permits in queue order, each its whole request at
//!    once or nothing (the head waits for enough; those behind it wait for it). Each waiter
//!    has a ticket, in queue order; a waiter handed its permits leaves the queue, `served`
//!    moves past its ticket (`Release`), and it is woken after the lock is released. Its
//!    future sees `served` past its ticket (`Acquire`) at its next poll and has the permits,
//!    without the lock; one dropped first gives them back (rule 5). Only a waiter that finds
//!    itself not served (a spurious wake-up, or closing) takes the lock to look.
//! 4. An acquire that finds too few permits locks the queue and sets [`QUEUED`] by a
//!    compare-and-swap on the word the releases add to. So either a release's `fetch_add`
//!    comes first, and the compare-and-swap fails and the acquire sees the permits, or the
//!    flag comes first, and the release sees it and hands out under the lock, after the
//!    acquire has queued itself. No wake-up is lost, with nothing stronger than
//!    acquire/release ordering: one atomic word and one lock.
//! 5. A waiter's future, dropped: while queued, it leaves the queue (and what it was waiting
//!    for may now go to those behind it); once granted, it gives its permits back like a
//!    release. Cancelling never loses permits or a wake-up.
//! 6. Closing sets [`CLOSED`], then empties the queue under the lock and wakes every waiter:
//!    each finds itself not served and gone from the queue, and fails. A closed semaphore
//!    hands out nothing (a hand-out's compare-and-swap fails once the flag is in the word),
//!    and permits given back after closing are still counted.
//! 7. Ordering of the protected data: a release's `fetch_add` is `Release` and a successful
//!    take is `Acquire`, and a hand-out goes through the queue's lock, so whatever a holder
//!    wrote under its permits is seen by the next holder (what [`Mutex`](super::Mutex)'s
//!    value relies on).
//! 8. A dump never takes the queue's lock: it reads `word` only.

use std::fmt;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::error::TryAcquireError;
use crate::loom_sync::{AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering};

/// Rule 1: the semaphore is closed.
const CLOSED: usize = 1;
/// Rule 2: the queue holds a waiter.
const QUEUED: usize = 2;
/// Rule 1: permits are counted above the flags.
const SHIFT: u32 = 2;

/// The permit count and its waiters (module rules).
pub(crate) struct Permits {
    /// Free permits, [`CLOSED`] and [`QUEUED`] (rule 1).
    word: AtomicUsize,
    /// The waiters, in order (rules 2 to 6).
    queue: Mutex<Queue>,
    /// Rule 3: every waiter whose ticket is below it has left the queue, and those of them
    /// still polled were served. Written under the queue's lock, read without it.
    served: AtomicU64,
}

/// The waiters: a doubly linked list through a slab, so that a cancelled waiter leaves from
/// anywhere in O(1) and nothing is allocated per wait once the slab has grown.
#[derive(Debug, Default)]
struct Queue {
    /// The waiting nodes (a node leaves the slab when it is served, cancelled or closed).
    nodes: Slab<Node>,
    /// The ticket of the next waiter (rule 3).
    next_ticket: u64,
    /// The waiter that has waited longest.
    head: Option<usize>,
    /// The waiter that came last.
    tail: Option<usize>,
}

/// One waiting acquire.
#[derive(Debug)]
struct Node {
    /// Permits it waits for.
    needed: usize,
    /// Its place in line (rule 3), which also tells it from a later node in the same slot.
    ticket: u64,
    /// The waiter ahead of it, while linked.
    prev: Option<usize>,
    /// The waiter behind it, while linked.
    next: Option<usize>,
    /// Woken when the node leaves the queue, served or closed.
    waker: Option<Waker>,
}

/// An acquire future's part of the protocol: what it asks for and its place in the queue.
/// Its owner calls [`Permits::cancel`] when it is dropped (rule 5).
#[derive(Debug)]
pub(crate) struct Waiter {
    /// Permits asked for.
    n: usize,
    /// Its node and ticket, from joining the queue until it knows how it left it.
    queued: Option<(usize, u64)>,
}

impl Waiter {
    /// An acquire of `n` permits that has not started.
    pub(crate) fn new(n: usize) -> Waiter {
        Waiter { n, queued: None }
    }
}

/// What an acquire ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Acquired {
    /// The permits are the caller's.
    Permits,
    /// The semaphore is closed (rule 6).
    Closed,
}

/// Wakers collected under the lock and woken after it is released: one without allocating.
#[derive(Default)]
struct Wakes {
    /// The first waker: the common case of one wake-up needs no allocation.
    first: Option<Waker>,
    /// The others (closing, or a release of several permits).
    rest: Vec<Waker>,
}

impl Wakes {
    fn push(&mut self, waker: Waker) {
        match self.first {
            None => self.first = Some(waker),
            Some(_) => self.rest.push(waker),
        }
    }

    fn wake(self) {
        if let Some(w) = self.first {
            w.wake();
        }
        self.rest.into_iter().for_each(Waker::wake);
    }
}

impl Permits {
    /// The most permits there can be: `Semaphore::MAX_PERMITS`, with room above it so that
    /// one release past it is caught before the count can wrap.
    pub(crate) const MAX: usize = usize::MAX >> 3;

    /// `n` free permits and nobody waiting. `n` is at most [`Permits::MAX`].
    pub(crate) fn new(n: usize) -> Permits {
        debug_assert!(n <= Permits::MAX);
        Permits {
            word: AtomicUsize::new(n << SHIFT),
            queue: Mutex::new(Queue::default()),
            served: AtomicU64::new(0),
        }
    }

    /// Free permits now (a report: permits kept for a waiting head count too).
    pub(crate) fn available(&self) -> usize {
        // Relaxed: a number for the caller to look at, ordering nothing.
        self.word.load(Ordering::Relaxed) >> SHIFT
    }

    /// Whether [`Permits::close`] was called.
    pub(crate) fn is_closed(&self) -> bool {
        // Acquire: a caller that sees the flag sees what the closer did before closing.
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `n` permits if they are free and nobody waits for them (rules 1 and 2). Zero
    /// permits are always there, until the semaphore is closed.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        if n == 0 {
            return if self.is_closed() {
                Err(TryAcquireError::Closed)
            } else {
                Ok(())
            };
        }
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            if word & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if word & QUEUED != 0 || word >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            // Acquire on success: rule 7. Relaxed on failure: the loop only retries.
            match self.word.compare_exchange_weak(
                word,
                word - (n << SHIFT),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => word = now,
            }
        }
    }

    /// Polls an acquire: takes the permits, or queues `waiter` (rule 4), or, once queued,
    /// checks whether it was served or closed.
    #[inline]
    pub(crate) fn poll_acquire(&self, cx: &mut Context<'_>, waiter: &mut Waiter) -> Poll<Acquired> {
        match waiter.queued {
            None => match self.try_acquire(waiter.n) {
                Ok(()) => Poll::Ready(Acquired::Permits),
                Err(TryAcquireError::Closed) => Poll::Ready(Acquired::Closed),
                Err(TryAcquireError::NoPermits) => self.enqueue(cx, waiter),
            },
            Some((_, ticket)) if self.is_served(ticket) => {
                waiter.queued = None;
                Poll::Ready(Acquired::Permits)
            }
            Some((key, ticket)) => self.poll_queued(cx, waiter, key, ticket),
        }
    }

    /// Rule 3: whether the waiter with `ticket` was served (it has left the queue, and only a
    /// hand-out moves `served` past a ticket whose future still asks).
    #[inline]
    fn is_served(&self, ticket: u64) -> bool {
        // Acquire: pairs with the hand-out's Release, for rule 7.
        self.served.load(Ordering::Acquire) > ticket
    }

    /// Rule 4: takes the permits after all, or joins the queue.
    #[cold]
    fn enqueue(&self, cx: &mut Context<'_>, waiter: &mut Waiter) -> Poll<Acquired> {
        let n = waiter.n;
        let mut queue = self.lock();
        // Acquire: as in `try_acquire`, for the take below.
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            if word & CLOSED != 0 {
                return Poll::Ready(Acquired::Closed);
            }
            let (new, taken) = if word & QUEUED == 0 && word >> SHIFT >= n {
                (word - (n << SHIFT), true)
            } else if word & QUEUED == 0 {
                (word | QUEUED, false)
            } else {
                // Already flagged: only lock holders change the flag, and we hold the lock.
                break;
            };
            // Acquire on success: rule 7 when taking; for the flag, the lock orders the rest.
            match self
                .word
                .compare_exchange(word, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) if taken => return Poll::Ready(Acquired::Permits),
                Ok(_) => break,
                Err(now) => word = now,
            }
        }
        waiter.queued = Some(queue.push_back(n, cx.waker().clone()));
        Poll::Pending
    }

    /// A queued waiter not seen served: served after all, closed, or still waiting (then
    /// with this waker). Under the lock, which every change of the queue and of `served`
    /// holds.
    #[cold]
    fn poll_queued(
        &self,
        cx: &mut Context<'_>,
        waiter: &mut Waiter,
        key: usize,
        ticket: u64,
    ) -> Poll<Acquired> {
        let mut queue = self.lock();
        if self.is_served(ticket) {
            waiter.queued = None;
            return Poll::Ready(Acquired::Permits);
        }
        match queue.node_mut(key, ticket) {
            Some(node) => {
                match &node.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => node.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            None => {
                // Neither served nor queued: closing took it out (rule 6).
                waiter.queued = None;
                Poll::Ready(Acquired::Closed)
            }
        }
    }

    /// Rule 5: the acquire future owning `waiter` is dropped.
    #[inline]
    pub(crate) fn cancel(&self, waiter: &mut Waiter) {
        if let Some((key, ticket)) = waiter.queued.take() {
            self.cancel_queued(key, ticket, waiter.n);
        }
    }

    #[cold]
    fn cancel_queued(&self, key: usize, ticket: u64, n: usize) {
        let mut queue = self.lock();
        if self.is_served(ticket) {
            // Handed permits it will never use: they go to the next waiters.
            drop(queue);
            self.release(n);
            return;
        }
        if queue.node_mut(key, ticket).is_none() {
            // Closing took it out (rule 6).
            return;
        }
        queue.unlink(key);
        queue.nodes.remove(key);
        // Those behind it may be served by the permits it was waiting for.
        let mut wakes = Wakes::default();
        self.hand_out(&mut queue, &mut wakes);
        drop(queue);
        wakes.wake();
    }

    /// Gives `n` permits back (rule 2: handed out under the lock when someone waits).
    ///
    /// # Panics
    /// When the free permits would exceed [`Permits::MAX`].
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Checked before the add: a larger `n` would wrap `n << SHIFT` (and the word) before the
        // check after it could see it. With both at most `MAX`, their sum fits the word, so the
        // check after the add sees the true count. (Folded away for the constant 1 of unlocks.)
        assert!(
            n <= Permits::MAX,
            "a semaphore cannot have more than {} permits",
            Permits::MAX
        );
        // Release: rule 7.
        let before = self.word.fetch_add(n << SHIFT, Ordering::Release);
        assert!(
            (before >> SHIFT) + n <= Permits::MAX,
            "a semaphore cannot have more than {} permits",
            Permits::MAX
        );
        if before & QUEUED != 0 {
            self.release_queued();
        }
    }

    #[cold]
    fn release_queued(&self) {
        let mut queue = self.lock();
        let mut wakes = Wakes::default();
        self.hand_out(&mut queue, &mut wakes);
        drop(queue);
        wakes.wake();
    }

    /// Rule 3, under the lock: grants the free permits to waiters from the head, and clears
    /// [`QUEUED`] when nobody is left.
    fn hand_out(&self, queue: &mut Queue, wakes: &mut Wakes) {
        // Acquire: rule 7 (the permits taken here go to the granted waiters).
        let mut word = self.word.load(Ordering::Acquire);
        let granted = loop {
            if word & CLOSED != 0 {
                return;
            }
            let mut free = word >> SHIFT;
            let mut granted = 0;
            let mut cursor = queue.head;
            while let Some(key) = cursor {
                let node = &queue.nodes[key];
                if node.needed > free {
                    break;
                }
                free -= node.needed;
                granted += 1;
                cursor = node.next;
            }
            let mut new = (free << SHIFT) | (word & (QUEUED | CLOSED));
            if cursor.is_none() {
                new &= !QUEUED;
            }
            if new == word {
                return;
            }
            match self
                .word
                .compare_exchange(word, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => break granted,
                Err(now) => word = now,
            }
        };
        let mut last = None;
        for _ in 0..granted {
            let key = queue.head.expect("a granted waiter is in the queue");
            queue.unlink(key);
            let node = queue.nodes.remove(key);
            last = Some(node.ticket);
            if let Some(w) = node.waker {
                wakes.push(w);
            }
        }
        if let Some(ticket) = last {
            // Release: rule 3 (and rule 7: the permits were taken above). Tickets below it
            // that were not served were cancelled: their futures are gone and never ask.
            self.served.store(ticket + 1, Ordering::Release);
        }
    }

    /// Rule 6: fails every waiter now and every acquire from now on.
    pub(crate) fn close(&self) {
        // Release: a caller that sees the flag (`is_closed`) sees what came before closing.
        self.word.fetch_or(CLOSED, Ordering::Release);
        let mut queue = self.lock();
        let mut wakes = Wakes::default();
        while let Some(key) = queue.head {
            queue.unlink(key);
            if let Some(w) = queue.nodes.remove(key).waker {
                wakes.push(w);
            }
        }
        // Relaxed: under the lock, which orders the flag for the other lock holders.
        self.word.fetch_and(!QUEUED, Ordering::Relaxed);
        drop(queue);
        wakes.wake();
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Wakers are woken after the lock, but cloned and dropped under it (as in tokio's
        // semaphore). A clone is taken before its node is pushed, so a panicking one leaves
        // the queue consistent, at worst with `QUEUED` set over an empty queue, which the next
        // release clears. So a poisoned lock still holds a consistent queue.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for Permits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permits")
            .field("available", &self.available())
            .finish_non_exhaustive()
    }
}

impl Queue {
    /// Appends a waiting node; its key and ticket.
    fn push_back(&mut self, needed: usize, waker: Waker) -> (usize, u64) {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let key = self.nodes.insert(Node {
            needed,
            ticket,
            prev: self.tail,
            next: None,
            waker: Some(waker),
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        (key, ticket)
    }

    /// The node of the waiter with `key` and `ticket`, if it is still queued (its slot may
    /// hold a later node by now).
    fn node_mut(&mut self, key: usize, ticket: u64) -> Option<&mut Node> {
        self.nodes.get_mut(key).filter(|node| node.ticket == ticket)
    }

    /// Takes a node out of the list (it stays in the slab).
    fn unlink(&mut self, key: usize) {
        let (prev, next) = {
            let node = &mut self.nodes[key];
            (node.prev.take(), node.next.take())
        };
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.tail = prev,
        }
    }
}
