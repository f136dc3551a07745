//! `executor::sync` locks and semaphores: semantics, cancel safety, and what snapshots say
//! about holders and waiters.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{eventually, rt, waits_on};
use executor::sync::{Mutex, OwnedMutexGuard, RwLock, Semaphore, TryAcquireError};
use executor::time::timeout;
use executor::TaskId;

/// Polls `future` once with a no-op waker.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(future).poll(&mut cx)
}

#[test]
fn mutex_excludes_and_counts() {
    let rt = rt(2);
    let total = rt.block_on(async {
        let m = Arc::new(Mutex::new(0u64));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let m = m.clone();
                executor::spawn(async move {
                    for _ in 0..100 {
                        let mut g = m.lock().await;
                        let v = *g;
                        executor::yield_now().await;
                        *g = v + 1;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let v = *m.lock().await;
        v
    });
    assert_eq!(total, 5_000);
}

#[test]
fn mutex_try_lock_owned_guard_into_inner_and_get_mut() {
    let rt = rt(1);
    rt.block_on(async {
        let m = Arc::new(Mutex::new(String::from("a")));
        let g = m.clone().lock_owned().await;
        assert!(m.try_lock().is_err());
        assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &m));
        // An owned guard moves into another task, and unlocks there.
        executor::spawn(async move {
            let mut g = g;
            g.push('b');
        })
        .await
        .unwrap();
        m.try_lock().unwrap().push('c');
        let mut m = Arc::try_unwrap(m).unwrap();
        m.get_mut().push('d');
        assert_eq!(m.into_inner(), "abcd");
    });
}

#[test]
fn a_dropped_lock_future_loses_neither_the_lock_nor_the_next_wakeup() {
    let rt = rt(2);
    rt.block_on(async {
        let m = Arc::new(Mutex::new(()));
        let guard = m.lock().await;
        // A waiter that is polled once, queued, then dropped while the lock is handed over.
        let mut first = Box::pin(m.lock());
        assert!(poll_once(&mut first).is_pending());
        let second = executor::spawn({
            let m = m.clone();
            async move {
                let _g = m.lock().await;
            }
        });
        executor::yield_now().await;
        drop(guard);
        drop(first);
        timeout(Duration::from_secs(30), second)
            .await
            .expect("the second waiter never got the lock")
            .unwrap();
        assert!(m.try_lock().is_ok());
    });
}

#[test]
fn a_timed_out_lock_leaves_the_mutex_clean() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(1));
        let line = line!() - 1;
        let guard = m.lock().await;
        let waiter = executor::spawn({
            let m = m.clone();
            async move { timeout(Duration::from_millis(20), m.lock()).await.is_err() }
        });
        assert!(waiter.await.unwrap(), "the lock should have timed out");
        drop(guard);
        // Free, and the resource lists no holder and no waiter.
        assert_eq!(*m.try_lock().unwrap(), 1);
        let snap = handle.snapshot();
        let r = snap
            .resources
            .iter()
            .find(|r| r.created_at.as_ref().is_some_and(|at| at.line == line))
            .expect("the mutex is in the snapshot");
        assert!(r.holders.is_empty(), "{r:?}");
        assert!(r.waiters.is_empty(), "{r:?}");
    });
}

#[test]
fn snapshots_name_the_mutex_holder_and_its_waiter() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    let m = Arc::new(Mutex::new(()));
    let line = line!() - 1;
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = executor::sync::oneshot::channel::<()>();
    let holder = rt.spawn({
        let m = m.clone();
        async move {
            let _g = m.lock().await;
            held_tx.send(()).unwrap();
            let _ = release_rx.await;
        }
    });
    held_rx.recv().unwrap();
    let waiter = rt.spawn({
        let m = m.clone();
        async move {
            let _g = m.lock().await;
        }
    });
    let (holder_id, waiter_id): (TaskId, TaskId) = (holder.id(), waiter.id());
    let snap = eventually("the waiter to wait on the mutex", || {
        let snap = handle.snapshot();
        waits_on(&snap, waiter_id, "mutex #").then_some(snap)
    });
    let r = snap
        .resources
        .iter()
        .find(|r| r.holders.iter().any(|h| h.task == holder_id))
        .expect("a resource held by the holder");
    assert_eq!(r.kind, introspect::ResourceKind::Mutex);
    assert_eq!(r.detail.as_deref(), Some("locked"));
    let site = r.created_at.as_ref().unwrap();
    assert!(site.file.ends_with("sync_locks.rs"), "{site:?}");
    assert_eq!(site.line, line);
    assert_eq!(r.waiters.len(), 1);
    assert_eq!(r.waiters[0].task, waiter_id);
    assert_eq!(r.waiters[0].op, "lock");
    let w = snap.tasks.iter().find(|t| t.id == waiter_id).unwrap();
    assert_eq!(
        w.wait.as_ref().unwrap().what,
        format!("mutex {} lock", r.id)
    );
    release_tx.send(()).unwrap();
    rt.block_on(async {
        holder.await.unwrap();
        waiter.await.unwrap();
    });
}

#[test]
fn rwlock_readers_share_and_writers_exclude() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let lock = Arc::new(RwLock::new(vec![1]));
        let r1 = lock.read().await;
        let r2 = lock.try_read().unwrap();
        assert!(lock.try_write().is_err());
        let writer = executor::spawn({
            let lock = lock.clone();
            async move { lock.write().await.push(2) }
        });
        let writer_id = writer.id();
        eventually("the writer to wait", || {
            waits_on(&handle.snapshot(), writer_id, "rwlock #").then_some(())
        });
        assert_eq!(r1.len() + r2.len(), 2);
        drop((r1, r2));
        writer.await.unwrap();
        assert_eq!(*lock.read().await, [1, 2]);
        let mut lock = Arc::try_unwrap(lock).unwrap();
        lock.get_mut().push(3);
        assert_eq!(lock.into_inner(), [1, 2, 3]);
    });
}

#[test]
fn rwlock_holders_show_their_mode() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let lock = Arc::new(RwLock::new(()));
        let task = executor::spawn({
            let lock = lock.clone();
            async move {
                let _w = lock.write().await;
                std::future::pending::<()>().await;
            }
        });
        let id = task.id();
        let snap = eventually("the writer to hold", || {
            let snap = handle.snapshot();
            snap.resources
                .iter()
                .any(|r| r.holders.iter().any(|h| h.task == id))
                .then_some(snap)
        });
        let holder = snap
            .resources
            .iter()
            .flat_map(|r| &r.holders)
            .find(|h| h.task == id)
            .unwrap();
        assert_eq!(holder.mode.as_deref(), Some("write"));
        task.abort();
        let _ = task.await;
        assert!(lock.try_write().is_ok());
    });
}

#[test]
fn semaphore_counts_permits() {
    let rt = rt(1);
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(3));
        let a = s.acquire().await.unwrap();
        let b = s.acquire_many(2).await.unwrap();
        assert_eq!((a.num_permits(), b.num_permits()), (1, 2));
        assert_eq!(s.available_permits(), 0);
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
        drop(b);
        assert_eq!(s.available_permits(), 2);
        s.add_permits(2);
        assert_eq!(s.available_permits(), 4);
        let owned = s.clone().acquire_many_owned(4).await.unwrap();
        assert_eq!(s.available_permits(), 0);
        owned.forget();
        assert_eq!(s.available_permits(), 0);
        drop(a);
        assert_eq!(s.available_permits(), 1);
        let c = s.clone().try_acquire_owned().unwrap();
        assert!(Arc::ptr_eq(c.semaphore(), &s));
        s.close();
        assert!(s.is_closed());
        assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::Closed);
        assert_eq!(
            s.acquire().await.unwrap_err().to_string(),
            "semaphore closed"
        );
        drop(c);
        // Permits given back after closing are counted, but not handed out.
        assert_eq!(s.available_permits(), 1);
        assert!(s.try_acquire().is_err());
    });
}

#[test]
fn close_wakes_every_waiter_with_an_error() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(0));
        let waiters: Vec<_> = (1..=3)
            .map(|n| {
                let s = s.clone();
                executor::spawn(async move { s.acquire_many(n).await.map(|p| p.num_permits()) })
            })
            .collect();
        for w in &waiters {
            let id = w.id();
            eventually("a waiter to wait", || {
                waits_on(&handle.snapshot(), id, "semaphore #").then_some(())
            });
        }
        s.close();
        for w in waiters {
            assert!(w.await.unwrap().is_err());
        }
    });
}

#[test]
fn semaphore_waiters_are_served_in_arrival_order() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(1));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let first = s.acquire().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..5 {
            let (s, order) = (s.clone(), order.clone());
            let t = executor::spawn(async move {
                let _p = s.acquire().await.unwrap();
                order.lock().unwrap().push(i);
                executor::yield_now().await;
            });
            // Each waiter is queued before the next arrives.
            let id = t.id();
            eventually("the waiter to queue", || {
                waits_on(&handle.snapshot(), id, "semaphore #").then_some(())
            });
            tasks.push(t);
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn a_many_permit_waiter_gets_its_permits_when_enough_come_back() {
    let rt = rt(2);
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(2));
        let a = s.acquire().await.unwrap();
        let b = s.acquire().await.unwrap();
        let big = executor::spawn({
            let s = s.clone();
            async move { s.acquire_many(2).await.unwrap().num_permits() }
        });
        executor::yield_now().await;
        drop(a);
        executor::yield_now().await;
        drop(b);
        assert_eq!(big.await.unwrap(), 2);
        assert_eq!(s.available_permits(), 2);
    });
}

#[test]
fn a_waiting_many_permit_acquire_is_not_overtaken() {
    let rt = rt(1);
    rt.block_on(async {
        let s = Semaphore::new(2);
        let held = s.acquire().await.unwrap();
        let mut big = pin!(s.acquire_many(2));
        assert!(poll_once(&mut big).is_pending());
        // One permit is free, but it is kept for the waiter in front (first come, first
        // served, as tokio's).
        assert_eq!(s.available_permits(), 1);
        assert!(matches!(s.try_acquire(), Err(TryAcquireError::NoPermits)));
        let mut small = pin!(s.acquire());
        assert!(poll_once(&mut small).is_pending());
        drop(held);
        let Poll::Ready(Ok(two)) = poll_once(&mut big) else {
            panic!("the first waiter gets both permits");
        };
        assert_eq!(two.num_permits(), 2);
        assert!(poll_once(&mut small).is_pending());
        drop(two);
        assert!(matches!(poll_once(&mut small), Poll::Ready(Ok(_))));
    });
}

#[test]
fn an_unlock_hands_the_mutex_to_the_first_waiter() {
    let rt = rt(1);
    rt.block_on(async {
        let m = Mutex::new(0);
        let guard = m.lock().await;
        let mut waiter = pin!(m.lock());
        assert!(poll_once(&mut waiter).is_pending());
        drop(guard);
        // Handed over: a newcomer finds the mutex taken even before the waiter runs.
        assert!(m.try_lock().is_err());
        let Poll::Ready(mut g) = poll_once(&mut waiter) else {
            panic!("the waiter was handed the lock");
        };
        *g += 1;
        drop(g);
        assert_eq!(*m.try_lock().unwrap(), 1);
    });
}

#[test]
fn a_dropped_acquire_passes_its_wakeup_on() {
    let rt = rt(2);
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(1));
        let held = s.acquire().await.unwrap();
        let mut dropped = Box::pin(s.acquire());
        assert!(poll_once(&mut dropped).is_pending());
        let next = executor::spawn({
            let s = s.clone();
            async move { s.acquire().await.map(|_| ()).is_ok() }
        });
        executor::yield_now().await;
        drop(held); // wakes `dropped`, the first in line ...
        drop(dropped); // ... which passes the wake-up on
        assert!(timeout(Duration::from_secs(30), next)
            .await
            .expect("the next waiter was never woken")
            .unwrap());
    });
}

#[test]
fn permits_held_are_named_with_their_count() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let s = Arc::new(Semaphore::new(5));
        let task = executor::spawn({
            let s = s.clone();
            async move {
                let _p = s.acquire_many(3).await.unwrap();
                std::future::pending::<()>().await;
            }
        });
        let id = task.id();
        let snap = eventually("the permits to be held", || {
            let snap = handle.snapshot();
            snap.resources
                .iter()
                .any(|r| r.holders.iter().any(|h| h.task == id))
                .then_some(snap)
        });
        let r = snap
            .resources
            .iter()
            .find(|r| r.holders.iter().any(|h| h.task == id))
            .unwrap();
        assert_eq!(r.kind, introspect::ResourceKind::Semaphore);
        assert_eq!(r.holders[0].mode.as_deref(), Some("3 permits"));
        assert_eq!(r.detail.as_deref(), Some("2 of 5 permits"));
        task.abort();
        let _ = task.await;
        assert_eq!(s.available_permits(), 5);
    });
}

#[test]
fn pinned_lock_futures_work_in_select_loops() {
    let rt = rt(1);
    rt.block_on(async {
        let m = Mutex::new(0);
        let mut lock = pin!(m.lock());
        let g = lock.as_mut().await;
        assert_eq!(*g, 0);
    });
}

#[test]
fn adding_more_permits_than_a_semaphore_can_hold_panics_and_loses_none() {
    use executor::sync::Semaphore;
    for n in [usize::MAX, Semaphore::MAX_PERMITS] {
        let s = Semaphore::new(1);
        let added = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.add_permits(n)));
        assert!(added.is_err(), "add_permits({n}) on 1 permit must panic");
        if n == usize::MAX {
            // Refused before anything changed.
            assert_eq!(s.available_permits(), 1);
            assert!(s.try_acquire().is_ok());
        }
    }
}

#[test]
fn forgotten_permits_are_counted_in_dumps() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let (s, created) = (Arc::new(Semaphore::new(2)), line!());
    rt.block_on(async {
        s.acquire().await.unwrap().forget();
        s.clone().acquire_owned().await.unwrap().forget();
    });
    let snap = handle.snapshot();
    let detail = snap
        .resources
        .iter()
        .find(|r| r.created_at.as_ref().is_some_and(|at| at.line == created))
        .and_then(|r| r.detail.clone())
        .expect("the semaphore is listed");
    // Dry because of leaks, not because it was made empty.
    assert_eq!(detail, "0 of 0 permits, 2 forgotten");
}
