//! Dropping a runtime: every remaining task's destructor runs exactly once, nothing hangs.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{rt, DropCounter};

#[test]
fn drop_runs_destructors_of_pending_parked_and_queued_tasks() {
    let drops = DropCounter::default();
    let rt = rt(2);
    let mut handles = Vec::new();
    // Parked forever: nothing will ever wake them.
    for _ in 0..100 {
        let t = drops.track();
        handles.push(rt.spawn(async move {
            let _t = t;
            std::future::pending::<()>().await
        }));
    }
    // Detached and parked forever.
    for _ in 0..100 {
        let t = drops.track();
        drop(rt.spawn(async move {
            let _t = t;
            std::future::pending::<()>().await
        }));
    }
    // Waiting on a timer far in the future.
    for _ in 0..50 {
        let t = drops.track();
        drop(rt.spawn(async move {
            let _t = t;
            async_io::Timer::after(Duration::from_secs(3600)).await;
        }));
    }
    // Runnable forever (yield loops), competing for the workers.
    for _ in 0..50 {
        let t = drops.track();
        drop(rt.spawn(async move {
            let _t = t;
            loop {
                executor::yield_now().await;
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    drop(rt);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(drops.count(), 300);
    // Handles of cancelled tasks report cancellation rather than hanging or panicking.
    for h in handles {
        assert!(h.is_finished());
        let err = futures_lite::future::block_on(h).unwrap_err();
        assert!(err.is_cancelled());
    }
    assert_eq!(drops.count(), 300);
}

#[test]
fn destructors_that_spawn_during_shutdown_do_not_hang_or_leak() {
    struct SpawnOnDrop(DropCounter);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let t = self.0.track();
            if let Some(h) = executor::Handle::try_current() {
                drop(h.spawn(async move {
                    let _t = t;
                    std::future::pending::<()>().await
                }));
            }
        }
    }
    let drops = DropCounter::default();
    let rt = rt(1);
    let d = drops.clone();
    drop(rt.spawn(async move {
        let _s = SpawnOnDrop(d);
        std::future::pending::<()>().await
    }));
    std::thread::sleep(Duration::from_millis(20));
    drop(rt);
    // Whether the destructor's spawn happened on a runtime thread or not, nothing leaks.
    assert!(drops.count() <= 1);
}

#[test]
fn a_spawn_on_a_handle_of_a_dropped_runtime_is_cancelled_and_dropped_at_once() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::default();
    let t = drops.track();
    let join = handle.spawn(async move {
        let _t = t;
        std::future::pending::<()>().await
    });
    // Dropped inside `spawn`, not buried in a queue nobody drains any more.
    assert_eq!(drops.count(), 1);
    let err = futures::executor::block_on(join).expect_err("the task cannot have run");
    assert!(err.is_cancelled(), "{err}");
}

#[test]
fn shutdown_timeout_returns_despite_a_stuck_task() {
    let rt = rt(2);
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    drop(rt.spawn(async move {
        while !r.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }));
    std::thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    assert!(start.elapsed() < Duration::from_secs(5));
    release.store(true, Ordering::SeqCst);
}

/// A worker stuck in a poll still owns its local queue: shutdown takes the queued tasks
/// through the queue's stealer side without it, and the worker drops what it still holds
/// (its LIFO slot) when it finally returns to its loop and exits.
#[test]
fn shutdown_timeout_drains_the_queue_of_a_stuck_worker() {
    let drops = DropCounter::default();
    let rt = rt(1);
    let release = Arc::new(AtomicBool::new(false));
    let queued = Arc::new(AtomicBool::new(false));
    let (r, q, d) = (release.clone(), queued.clone(), drops.clone());
    drop(rt.spawn(async move {
        // Spawned on the worker: into its LIFO slot and local queue (100 fit, no overflow).
        for _ in 0..100 {
            let t = d.track();
            drop(executor::spawn(async move {
                let _t = t;
                loop {
                    executor::yield_now().await;
                }
            }));
        }
        q.store(true, Ordering::SeqCst);
        while !r.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }));
    while !queued.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    rt.shutdown_timeout(Duration::from_millis(50));
    // Everything but the LIFO slot's task, which only its worker can reach.
    assert!(drops.count() >= 99, "{} dropped", drops.count());
    release.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    while drops.count() < 100 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(drops.count(), 100);
}
