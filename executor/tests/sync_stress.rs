//! Snapshots taken while many tasks contend on a mutex and a semaphore: every snapshot must
//! be consistent (no waiter listed twice, every waiter a live task waiting on that resource,
//! never more holders than the resource allows), however the rows race with the tasks.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::{rt, scaled, STRESS_TIME};
use executor::sync::{Mutex, Semaphore};
use introspect::{ResourceKind, Snapshot, TaskState};

/// Checks one snapshot; returns how many waiters it listed.
fn check(snap: &Snapshot, mutex_line: u32, semaphore_line: u32) -> usize {
    let tasks: std::collections::HashMap<_, _> = snap.tasks.iter().map(|t| (t.id, t)).collect();
    let mut listed = 0;
    for r in &snap.resources {
        let line = r.created_at.as_ref().map(|at| at.line);
        if line != Some(mutex_line) && line != Some(semaphore_line) {
            continue;
        }
        let mut seen = HashSet::new();
        for w in &r.waiters {
            assert!(
                seen.insert(w.task),
                "task {} listed twice on {}",
                w.task,
                r.id
            );
            let task = tasks
                .get(&w.task)
                .unwrap_or_else(|| panic!("waiter {} is not a live task", w.task));
            assert!(
                !matches!(task.state, TaskState::Running | TaskState::Completed),
                "waiter {} is {:?}",
                w.task,
                task.state
            );
            let wait = task.wait.as_ref().expect("a listed waiter waits");
            assert_eq!(
                wait.resource,
                Some(r.id),
                "waiter {} waits elsewhere",
                w.task
            );
        }
        listed += r.waiters.len();
        match r.kind {
            ResourceKind::Mutex => assert!(r.holders.len() <= 1, "{r:?}"),
            ResourceKind::Semaphore => {
                let permits: u64 = r
                    .holders
                    .iter()
                    .map(|h| match h.mode.as_deref() {
                        Some("1 permit") => 1,
                        other => panic!("unexpected hold {other:?}"),
                    })
                    .sum();
                assert!(permits <= 1, "{r:?}");
            }
            other => panic!("unexpected kind {other:?}"),
        }
    }
    listed
}

#[test]
fn snapshots_stay_consistent_while_tasks_contend() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let tasks = scaled(10_000);
    let mutex = Arc::new(Mutex::new(0u64));
    let mutex_line = line!() - 1;
    let semaphore = Arc::new(Semaphore::new(1));
    let semaphore_line = line!() - 1;
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (m, s, stop) = (mutex.clone(), semaphore.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if i % 2 == 0 {
                        let mut g = m.lock().await;
                        *g += 1;
                        executor::yield_now().await;
                    } else {
                        let _p = s.acquire().await.unwrap();
                        executor::yield_now().await;
                    }
                }
            })
        })
        .collect();
    let start = Instant::now();
    let (mut snapshots, mut waiters) = (0, 0);
    while start.elapsed() < STRESS_TIME || snapshots < 3 {
        let snap = handle.snapshot();
        waiters += check(&snap, mutex_line, semaphore_line);
        snapshots += 1;
    }
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert!(waiters > 0, "{snapshots} snapshots saw no waiter at all");
    assert!(mutex.try_lock().is_ok());
    assert_eq!(semaphore.available_permits(), 1);
}

/// Lock, acquire and send futures given up at once (a zero timeout: dropped while queued, or
/// just after they were handed what they waited for) among waits that complete, on two
/// workers: whatever races with what, nothing is lost (`permits.rs` rule 5). At the end every
/// permit and every slot of room is back, and every completed lock counted.
#[test]
fn abandoned_waits_lose_no_permit_under_contention() {
    use executor::sync::mpsc;
    use executor::time::timeout;
    use std::time::Duration;

    let rt = rt(2);
    let rounds = scaled(10_000);
    let mutex = Arc::new(Mutex::new(0usize));
    let semaphore = Arc::new(Semaphore::new(2));
    let (tx, mut rx) = mpsc::channel::<usize>(2);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (m, s, tx) = (mutex.clone(), semaphore.clone(), tx.clone());
            rt.spawn(async move {
                let mut locked = 0;
                for j in 0..rounds {
                    let give_up = (i + j) % 3 == 0;
                    let wait = if give_up {
                        Duration::ZERO
                    } else {
                        Duration::from_secs(30)
                    };
                    if let Ok(mut g) = timeout(wait, m.lock()).await {
                        *g += 1;
                        locked += 1;
                        executor::yield_now().await;
                    }
                    if let Ok(p) = timeout(wait, s.acquire_many(1 + (j % 2) as u32)).await {
                        executor::yield_now().await;
                        drop(p);
                    }
                    let _ = timeout(wait, tx.send(j)).await;
                }
                locked
            })
        })
        .collect();
    drop(tx);
    let drained = rt.spawn(async move {
        let mut n = 0;
        while rx.recv().await.is_some() {
            n += 1;
            executor::yield_now().await;
        }
        n
    });
    let locked: usize = rt.block_on(async {
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    let received = rt.block_on(drained).unwrap();
    assert!(received <= 8 * rounds);
    assert_eq!(*mutex.try_lock().expect("the mutex is free"), locked);
    assert_eq!(semaphore.available_permits(), 2);
}
