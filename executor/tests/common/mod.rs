//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A runtime with `n` workers.
pub fn rt(n: usize) -> executor::Runtime {
    executor::Runtime::builder()
        .worker_threads(n)
        .build()
        .expect("runtime")
}

/// Scales a count down under Miri, where each task is a hundred times slower or more.
pub fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        n / 100
    } else {
        n
    }
}

/// Counts drops of the values it hands out.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

/// Increments its counter when dropped.
pub struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl DropCounter {
    pub fn track(&self) -> Tracked {
        Tracked(self.0.clone())
    }
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// How long stress tests run: bounded, and short enough for CI on 2 cores.
pub mod child;
pub mod dump;

/// How long stress tests run: bounded, and short enough for CI on 2 cores.
pub const STRESS_TIME: Duration = Duration::from_millis(1500);

/// Polls `check` until it returns `Some`, sleeping a millisecond between tries; panics with
/// `what` after a minute (a hang guard, not a timing assertion).
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(out) = check() {
            return out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether task `id` waits in `snapshot` on something whose words contain `what`.
pub fn waits_on(snapshot: &introspect::Snapshot, id: executor::TaskId, what: &str) -> bool {
    snapshot
        .tasks
        .iter()
        .any(|t| t.id == id && t.wait.as_ref().is_some_and(|w| w.what.contains(what)))
}
