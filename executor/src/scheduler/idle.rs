//! Parking and waking idle workers.
//!
//! Protocol (no lost wake-ups, no thundering herd):
//! 1. A producer pushes a task, then calls [`Idle::notify_one`]: after a `SeqCst` fence it
//!    wakes one sleeper unless some worker is already searching (that one will find the task).
//! 2. A worker about to sleep registers its listener, counts itself in `sleeping`, issues a
//!    `SeqCst` fence, then checks every queue once more. Between the two fences either the
//!    producer sees the sleeper or the sleeper sees the task (Dekker's argument).
//! 3. At most half the workers (and at least one) search at once; a searcher that finds work
//!    while it was the last searcher wakes one more worker, so a burst of tasks spreads out
//!    without waking everyone.

use event_listener::{Event, EventListener};

use crate::loom_sync::{fence, AtomicUsize, Ordering};

#[derive(Debug)]
pub(crate) struct Idle {
    event: Event,
    sleeping: AtomicUsize,
    searching: AtomicUsize,
    max_searching: usize,
}

impl Idle {
    pub(crate) fn new(workers: usize) -> Idle {
        Idle {
            event: Event::new(),
            sleeping: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
            max_searching: (workers / 2).max(1),
        }
    }

    /// Rule 1.
    pub(crate) fn notify_one(&self) {
        fence(Ordering::SeqCst);
        if self.searching.load(Ordering::SeqCst) == 0 && self.sleeping.load(Ordering::SeqCst) > 0 {
            self.event.notify(1);
        }
    }

    /// Wakes every sleeper: shutdown and the freeze.
    pub(crate) fn notify_all(&self) {
        fence(Ordering::SeqCst);
        self.event.notify(usize::MAX);
    }

    /// Rule 3: may this worker start searching?
    pub(crate) fn try_start_search(&self) -> bool {
        let mut n = self.searching.load(Ordering::SeqCst);
        loop {
            if n >= self.max_searching {
                return false;
            }
            match self
                .searching
                .compare_exchange_weak(n, n + 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
    }

    /// Ends a search; `found` says whether it found a task (rule 3).
    pub(crate) fn end_search(&self, found: bool) {
        let before = self.searching.fetch_sub(1, Ordering::SeqCst);
        if found && before == 1 {
            self.notify_one();
        }
    }

    /// Rule 2, first half: register, count, fence. Check the queues after this.
    pub(crate) fn prepare_sleep(&self) -> EventListener {
        let listener = self.event.listen();
        self.sleeping.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        listener
    }

    /// The worker woke (or decided not to sleep after `prepare_sleep`).
    pub(crate) fn end_sleep(&self) {
        self.sleeping.fetch_sub(1, Ordering::SeqCst);
    }
}
