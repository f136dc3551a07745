//! Idle tasks: tasks that have been polled once and wait on a [`Gate`], for the memory table
//! and the snapshot benchmark. The gate allocates nothing per task once built, so what a test
//! measures around [`IdleTasks::spawn_all`] is the runtime's cost per task (plus the future).

use crate::shim::Rt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A one-shot gate many tasks wait on; room for every waker is reserved up front.
#[derive(Debug)]
pub struct Gate {
    /// Wakers of the waiting tasks, `None` once the gate is open.
    waiting: Mutex<Option<Vec<Waker>>>,
    /// Tasks that have registered (polled once and found the gate shut).
    registered: AtomicUsize,
}

impl Gate {
    /// A shut gate with room for `capacity` wakers.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Gate {
            waiting: Mutex::new(Some(Vec::with_capacity(capacity))),
            registered: AtomicUsize::new(0),
        })
    }

    /// A future that completes once the gate is open.
    pub fn wait(self: &Arc<Self>) -> GateWait {
        GateWait {
            gate: Arc::clone(self),
            registered: false,
        }
    }

    /// How many waiters have registered so far.
    pub fn registered(&self) -> usize {
        // Acquire: pairs with the Release in `poll`, so the waker push is visible too.
        self.registered.load(Ordering::Acquire)
    }

    /// Opens the gate and wakes every waiter.
    pub fn open(&self) {
        let wakers = self.lock().take().unwrap_or_default();
        for waker in wakers {
            waker.wake();
        }
    }

    /// The waker list, even if a waiter panicked while holding it.
    fn lock(&self) -> MutexGuard<'_, Option<Vec<Waker>>> {
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The future returned by [`Gate::wait`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct GateWait {
    /// The gate waited on.
    gate: Arc<Gate>,
    /// Whether this waiter has counted itself in [`Gate::registered`].
    registered: bool,
}

impl Future for GateWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waiting = self.gate.lock();
        let Some(wakers) = waiting.as_mut() else {
            return Poll::Ready(());
        };
        // Only `open` wakes a waiter, so after the first poll the gate is open.
        wakers.push(cx.waker().clone());
        drop(waiting);
        if !self.registered {
            self.registered = true;
            // Release: the push above happens before a reader sees the count.
            self.gate.registered.fetch_add(1, Ordering::Release);
        }
        Poll::Pending
    }
}

/// `n` tasks spawned from outside, each waiting on one [`Gate`].
#[derive(Debug)]
pub struct IdleTasks<R: Rt> {
    /// What the tasks wait on.
    gate: Arc<Gate>,
    /// How many tasks [`IdleTasks::spawn_all`] spawns.
    count: usize,
    /// Their handles; room for all of them is reserved in [`IdleTasks::new`].
    handles: Vec<R::Join<()>>,
}

impl<R: Rt> IdleTasks<R> {
    /// Allocates everything but the tasks: the gate and room for `count` handles.
    pub fn new(count: usize) -> Self {
        IdleTasks {
            gate: Gate::new(count),
            count,
            handles: Vec::with_capacity(count),
        }
    }

    /// The size of one task's future, the part of each task that is not the runtime's.
    pub fn future_size(&self) -> usize {
        std::mem::size_of_val(&self.gate.wait())
    }

    /// Spawns the tasks and returns once every one has been polled and is idle.
    ///
    /// # Panics
    ///
    /// If they are not all idle within 60 seconds (a stuck runtime).
    pub fn spawn_all(&mut self, rt: &R) {
        for _ in 0..self.count {
            self.handles.push(rt.spawn(self.gate.wait()));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.gate.registered() < self.count {
            assert!(
                Instant::now() < deadline,
                "{}: only {} of {} tasks were polled within 60s",
                R::NAME,
                self.gate.registered(),
                self.count
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Opens the gate and waits for every task to complete.
    pub fn finish(self, rt: &R) {
        self.gate.open();
        rt.block_on(async move {
            for handle in self.handles {
                handle.await;
            }
        });
    }
}
