//! `executor::sync` channels, `Notify` and `Barrier`: semantics, closing, cancel safety, and
//! what snapshots say about their waiters.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{eventually, rt, waits_on};
use executor::sync::{mpsc, oneshot, watch, Barrier, Notify};
use executor::time::timeout;

/// Polls `future` once with a no-op waker.
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    Pin::new(future).poll(&mut cx)
}

/// A bound for awaits that must complete (a hang guard, not a timing assertion).
const LONG: Duration = Duration::from_secs(30);

#[test]
fn oneshot_delivers_or_reports_the_sender_gone() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        executor::spawn(async move { tx.send(7).unwrap() });
        assert_eq!(rx.await, Ok(7));

        let (tx, mut rx) = oneshot::channel::<u8>();
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Closed));
        assert!(rx.await.is_err());

        let (tx, mut rx) = oneshot::channel::<u8>();
        assert!(!tx.is_closed());
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send(3), Err(3));

        let (mut tx, rx) = oneshot::channel::<u8>();
        let closed = executor::spawn(async move { tx.closed().await });
        drop(rx);
        timeout(LONG, closed).await.unwrap().unwrap();
    });
}

#[test]
fn a_dropped_oneshot_receive_keeps_the_value() {
    let rt = rt(1);
    rt.block_on(async {
        let (tx, mut rx) = oneshot::channel::<u8>();
        // Cancelled waits on `&mut rx` leave the value in the channel.
        assert!(timeout(Duration::from_millis(1), &mut rx).await.is_err());
        tx.send(9).unwrap();
        assert_eq!(rx.await, Ok(9));
    });
}

#[test]
fn mpsc_bounded_sends_wait_while_full() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u32>(2);
        assert_eq!(tx.max_capacity(), 2);
        tx.try_send(1).unwrap();
        tx.send(2).await.unwrap();
        assert_eq!(tx.capacity(), 0);
        assert!(matches!(tx.try_send(3), Err(mpsc::TrySendError::Full(3))));
        let sender = executor::spawn({
            let tx = tx.clone();
            async move { tx.send(3).await.is_ok() }
        });
        let id = sender.id();
        eventually("the sender to wait", || {
            waits_on(&handle.snapshot(), id, "send").then_some(())
        });
        assert_eq!(rx.recv().await, Some(1));
        assert!(timeout(LONG, sender).await.unwrap().unwrap());
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn mpsc_close_fails_senders_and_keeps_the_queue() {
    let rt = rt(1);
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<&str>(4);
        tx.send("queued").await.unwrap();
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send("late").await.unwrap_err().0, "late");
        assert!(matches!(
            tx.try_send("late"),
            Err(mpsc::TrySendError::Closed(_))
        ));
        assert_eq!(rx.recv().await, Some("queued"));
        assert_eq!(rx.recv().await, None);

        let (tx, rx) = mpsc::unbounded_channel::<u8>();
        drop(rx);
        assert_eq!(tx.send(1).unwrap_err().0, 1);
    });
}

#[test]
fn mpsc_unbounded_delivers_everything_from_many_senders() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
        for t in 0..8 {
            let tx = tx.clone();
            executor::spawn(async move {
                for i in 0..1_000 {
                    tx.send(t * 1_000 + i).unwrap();
                }
            });
        }
        drop(tx);
        let mut seen = vec![false; 8_000];
        while let Some(v) = rx.recv().await {
            assert!(!std::mem::replace(&mut seen[v], true));
        }
        assert!(seen.iter().all(|s| *s));
    });
}

#[test]
fn a_dropped_recv_loses_no_message() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        {
            let mut recv = Box::pin(rx.recv());
            assert!(poll_once(&mut recv).is_pending());
            tx.send(5).await.unwrap();
            // Dropped after the message came, before it was polled again.
        }
        assert_eq!(timeout(LONG, rx.recv()).await.unwrap(), Some(5));
    });
}

#[test]
fn a_receiver_waiting_in_recv_shows_the_channel() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let (tx, mut rx) = mpsc::channel::<()>(3);
    let line = line!() - 1;
    let task = rt.spawn(async move { rx.recv().await });
    let id = task.id();
    let snap = eventually("the receiver to wait", || {
        let snap = handle.snapshot();
        waits_on(&snap, id, "mpsc #").then_some(snap)
    });
    let r = snap
        .resources
        .iter()
        .find(|r| r.waiters.iter().any(|w| w.task == id))
        .unwrap();
    assert_eq!(r.kind, introspect::ResourceKind::Mpsc);
    assert_eq!(r.created_at.as_ref().unwrap().line, line);
    assert_eq!(r.waiters[0].op, "recv");
    assert!(r.holders.is_empty());
    assert_eq!(r.detail.as_deref(), Some("0 queued, capacity 3, 1 sender"));
    let t = snap.tasks.iter().find(|t| t.id == id).unwrap();
    assert_eq!(t.wait.as_ref().unwrap().what, format!("mpsc {} recv", r.id));
    drop(tx);
    assert_eq!(rt.block_on(task).unwrap(), None);
}

#[test]
fn waiting_senders_are_served_in_order_and_a_dropped_one_passes_its_room_on() {
    let rt = rt(1);
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.send(1).await.unwrap();
        let mut first = Box::pin(tx.send(2));
        assert!(poll_once(&mut first).is_pending());
        let mut second = Box::pin(tx.send(3));
        assert!(poll_once(&mut second).is_pending());
        let mut third = Box::pin(tx.send(4));
        assert!(poll_once(&mut third).is_pending());
        // The room freed goes to the first waiting sender ...
        assert_eq!(rx.recv().await, Some(1));
        assert!(matches!(tx.try_send(9), Err(mpsc::TrySendError::Full(9))));
        // ... which, dropped, passes it to the next one.
        drop(first);
        assert!(poll_once(&mut second).is_ready());
        assert!(poll_once(&mut third).is_pending());
        assert_eq!(rx.recv().await, Some(3));
        assert!(poll_once(&mut third).is_ready());
        assert_eq!(rx.recv().await, Some(4));
    });
}

#[test]
fn a_oneshot_is_a_resource_once_its_receiver_waits() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let at = |r: &introspect::ResourceInfo, line: u32| {
        r.created_at.as_ref().is_some_and(|at| at.line == line)
    };
    // Never waited on: not in the registry (module docs, rule 4).
    let (_idle_tx, _idle_rx) = oneshot::channel::<()>();
    let idle_line = line!() - 1;
    let (tx, rx) = oneshot::channel::<u8>();
    let line = line!() - 1;
    assert!(!handle.snapshot().resources.iter().any(|r| at(r, line)));
    let task = rt.spawn(rx);
    let id = task.id();
    let snap = eventually("the receiver to wait", || {
        let snap = handle.snapshot();
        waits_on(&snap, id, "oneshot #").then_some(snap)
    });
    let r = snap
        .resources
        .iter()
        .find(|r| at(r, line))
        .expect("the waited-on oneshot");
    assert_eq!(r.kind, introspect::ResourceKind::Oneshot);
    assert_eq!(r.detail.as_deref(), Some("empty"));
    assert_eq!(r.waiters.len(), 1);
    assert_eq!(r.waiters[0].task, id);
    assert!(!snap.resources.iter().any(|r| at(r, idle_line)));
    tx.send(4).unwrap();
    assert_eq!(rt.block_on(task).unwrap(), Ok(4));
}

#[test]
fn watch_receivers_see_changes() {
    let rt = rt(2);
    rt.block_on(async {
        let (tx, mut rx) = watch::channel(0);
        assert!(!rx.has_changed().unwrap());
        let mut rx2 = rx.clone();
        assert_eq!(tx.receiver_count(), 2);
        tx.send(1).unwrap();
        assert!(rx.has_changed().unwrap());
        assert!(rx.borrow().has_changed());
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        assert!(!rx.has_changed().unwrap());
        tx.send_modify(|v| *v += 10);
        assert_eq!(tx.send_replace(20), 11);
        // Two changes, one notification: a receiver sees the latest value.
        rx2.changed().await.unwrap();
        assert_eq!(*rx2.borrow(), 20);
        assert!(!tx.send_if_modified(|_| false));

        let waiter = executor::spawn(async move {
            rx.changed().await.unwrap();
            let v = *rx.borrow_and_update();
            // The sender goes away after the last change: seen, then an error.
            let end = rx.changed().await;
            (v, end.is_err())
        });
        executor::yield_now().await;
        tx.send(30).unwrap();
        let mut rx3 = tx.subscribe();
        assert!(!rx3.has_changed().unwrap());
        drop(tx);
        assert_eq!(timeout(LONG, waiter).await.unwrap().unwrap(), (30, true));
        assert!(rx3.changed().await.is_err());
        drop(rx2);
    });
}

#[test]
fn watch_send_without_receivers_fails() {
    let (tx, rx) = watch::channel(1);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).unwrap_err().0, 2);
    assert_eq!(*tx.borrow(), 1);
    tx.send_replace(3);
    assert_eq!(*tx.borrow(), 3);
}

#[test]
fn notify_one_is_stored_when_nobody_waits() {
    let rt = rt(1);
    rt.block_on(async {
        let n = Notify::new();
        n.notify_one();
        n.notify_one(); // at most one permit
        n.notified().await;
        let mut second = Box::pin(n.notified());
        assert!(poll_once(&mut second).is_pending());
        n.notify_one();
        assert!(poll_once(&mut second).is_ready());
    });
}

#[test]
fn notify_waiters_wakes_everyone_created_before_it() {
    let rt = rt(2);
    let handle = rt.handle().clone();
    rt.block_on(async {
        let n = Arc::new(Notify::new());
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let n = n.clone();
                executor::spawn(async move { n.notified().await })
            })
            .collect();
        for w in &waiters {
            let id = w.id();
            eventually("the waiter to wait", || {
                waits_on(&handle.snapshot(), id, "notify #").then_some(())
            });
        }
        // Created before, never polled: also woken.
        let mut early = Box::pin(n.notified());
        n.notify_waiters();
        for w in waiters {
            timeout(LONG, w).await.unwrap().unwrap();
        }
        assert!(poll_once(&mut early).is_ready());
        // No permit stored by `notify_waiters`.
        let mut late = Box::pin(n.notified());
        assert!(poll_once(&mut late).is_pending());
    });
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let rt = rt(1);
    rt.block_on(async {
        let n = Notify::new();
        let mut a = Box::pin(n.notified());
        let mut b = Box::pin(n.notified());
        assert!(poll_once(&mut a).is_pending());
        assert!(poll_once(&mut b).is_pending());
        n.notify_one();
        drop(a); // had the token, or not: either way one waiter completes
        assert!(poll_once(&mut b).is_ready());
        // And the notification was used once, not twice.
        let mut c = Box::pin(n.notified());
        assert!(poll_once(&mut c).is_pending());
    });
}

#[test]
fn barrier_releases_groups_with_one_leader_each() {
    let rt = rt(2);
    rt.block_on(async {
        let barrier = Arc::new(Barrier::new(4));
        for _generation in 0..2 {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let b = barrier.clone();
                    executor::spawn(async move { b.wait().await.is_leader() })
                })
                .collect();
            let mut leaders = 0;
            for t in tasks {
                leaders += usize::from(timeout(LONG, t).await.unwrap().unwrap());
            }
            assert_eq!(leaders, 1);
        }
    });
}

#[test]
fn a_barrier_waiter_shows_in_snapshots() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let barrier = Arc::new(Barrier::new(2));
    let task = rt.spawn({
        let b = barrier.clone();
        async move { b.wait().await.is_leader() }
    });
    let id = task.id();
    let snap = eventually("the task to wait at the barrier", || {
        let snap = handle.snapshot();
        waits_on(&snap, id, "barrier #").then_some(snap)
    });
    let r = snap
        .resources
        .iter()
        .find(|r| r.waiters.iter().any(|w| w.task == id))
        .unwrap();
    assert_eq!(r.detail.as_deref(), Some("1 of 2 waiting"));
    let me = rt.block_on(async move { barrier.wait().await.is_leader() });
    assert!(me ^ rt.block_on(task).unwrap());
}

#[test]
fn a_notify_waiters_that_found_nobody_is_named_in_dumps() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let (n, created) = (Arc::new(Notify::new()), line!());
    // Too early: nobody waits yet, and `notify_waiters` stores no permit.
    let lost_line = line!() + 1;
    n.notify_waiters();
    let waiter = rt.spawn({
        let n = n.clone();
        async move { n.notified().await }
    });
    let id = waiter.id();
    let detail = eventually("the waiter to wait", || {
        let snap = handle.snapshot();
        if !waits_on(&snap, id, "notify #") {
            return None;
        }
        snap.resources
            .iter()
            .find(|r| r.created_at.as_ref().is_some_and(|at| at.line == created))
            .and_then(|r| r.detail.clone())
    });
    assert!(
        detail.contains(&format!(
            "notify_waiters at executor/tests/sync_channels.rs:{lost_line}:"
        )) && detail.contains("found no task waiting"),
        "{detail}"
    );
    // A call that reaches a waiter is not a lost one, and says nothing new.
    n.notify_waiters();
    rt.block_on(waiter).unwrap();
}
