//! The task toolbox of issue 11: `JoinSet`, `task::id`, `AbortHandle::is_finished` and
//! `task_local!`, each against tokio's documented behaviour.
//!
//! Nothing here depends on timing: order is forced with channels, and waits for a state
//! poll for it (with a generous bound, to fail rather than hang).

mod common;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::channel::oneshot;
use futures::FutureExt;

use common::{rt, scaled, DropCounter};
use executor::task::{self, JoinSet};
use executor::TaskId;

/// Polls `cond` until it holds, yielding in between; panics after a bound far beyond any
/// plausible delay (a hang guard for a bug, not a timing assertion). Only for `block_on`
/// futures: it also yields the thread, which a worker must not spend on it.
async fn until(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "condition never held");
        // Let the workers (on a busy 2-core machine) run the tasks we wait for.
        std::thread::yield_now();
        executor::yield_now().await;
    }
}

/// The same from a plain thread, for conditions on a live snapshot.
fn until_blocking(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "condition never held");
        std::thread::sleep(Duration::from_millis(1));
    }
}

// ---- JoinSet ----

#[test]
fn join_set_is_send_and_sync_like_tokios() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<JoinSet<u64>>();
    send_sync::<executor::AbortHandle>();
    send_sync::<task::LocalKey<u64>>();
    send_sync::<task::AccessError>();
}

#[test]
fn join_next_yields_results_in_completion_order() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        let mut releases = Vec::new();
        for i in 0..5usize {
            let (tx, rx) = oneshot::channel::<()>();
            releases.push(Some(tx));
            set.spawn(async move {
                rx.await.unwrap();
                i
            });
        }
        for (joined, i) in [3, 0, 4, 1, 2].into_iter().enumerate() {
            releases[i].take().unwrap().send(()).unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), i);
            assert_eq!(set.len(), 4 - joined);
        }
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn every_result_comes_out_exactly_once() {
    let rt = rt(2);
    let n = scaled(1_000);
    rt.block_on(async move {
        let mut set = JoinSet::new();
        for i in 0..n {
            set.spawn(async move {
                if i % 3 == 0 {
                    executor::yield_now().await;
                }
                i
            });
        }
        assert_eq!(set.len(), n);
        let mut seen = vec![false; n];
        while let Some(res) = set.join_next().await {
            let i = res.unwrap();
            assert!(!seen[i], "result {i} came out twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
    });
}

#[test]
fn ten_thousand_tasks_in_one_set() {
    let rt = rt(2);
    let n = scaled(10_000) as u64;
    let (sum, count) = rt.block_on(async move {
        let mut set = JoinSet::new();
        for i in 0..n {
            set.spawn(async move { i });
        }
        let (mut sum, mut count) = (0, 0);
        while let Some(res) = set.join_next().await {
            sum += res.unwrap();
            count += 1;
        }
        (sum, count)
    });
    assert_eq!(count, n);
    assert_eq!(sum, n * (n - 1) / 2);
}

#[test]
fn empty_sets_join_to_none() {
    let rt = rt(1);
    let mut set: JoinSet<()> = JoinSet::new();
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    assert!(set.try_join_next().is_none());
    assert!(rt.block_on(set.join_next()).is_none());
    // Drained sets, and `shutdown` of an empty set, too.
    set.spawn_on(async {}, rt.handle());
    assert!(rt.block_on(set.join_next()).unwrap().is_ok());
    assert!(rt.block_on(set.join_next()).is_none());
    rt.block_on(set.shutdown());
    assert!(JoinSet::<u8>::default().is_empty());
}

#[test]
fn panics_and_aborts_come_out_as_join_errors() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        let panicker = set.spawn(async { panic!("boom in a set") });
        let (_keep, rx) = oneshot::channel::<()>();
        let pending = set.spawn(async move {
            let _ = rx.await;
        });
        pending.abort();
        let mut panicked = None;
        let mut cancelled = None;
        while let Some(res) = set.join_next().await {
            let err = res.unwrap_err();
            if err.is_panic() {
                panicked = Some(err);
            } else {
                assert!(err.is_cancelled(), "{err:?}");
                cancelled = Some(err);
            }
        }
        let panicked = panicked.expect("the panic came out");
        assert_eq!(panicked.id(), panicker.id());
        let payload = panicked.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in a set"));
        assert_eq!(cancelled.expect("the abort came out").id(), pending.id());
    });
}

#[test]
fn dropping_the_set_aborts_every_task() {
    let rt = rt(2);
    let drops = DropCounter::default();
    let n = 20;
    rt.block_on(async {
        let mut set = JoinSet::new();
        let mut dropped = Vec::new();
        let mut aborts = Vec::new();
        for _ in 0..n {
            // Each task holds a sender: its receiver resolves once the future is dropped.
            let (tx, rx) = oneshot::channel::<()>();
            dropped.push(rx);
            let tracked = drops.track();
            aborts.push(set.spawn(async move {
                let _tracked = tracked;
                let _tx = tx;
                std::future::pending::<()>().await
            }));
        }
        drop(set);
        until(|| drops.count() == n).await;
        for rx in dropped {
            assert!(rx.await.is_err(), "the task's future was dropped");
        }
        assert_eq!(drops.count(), n);
        for abort in &aborts {
            until(|| abort.is_finished()).await;
        }
    });
}

#[test]
fn abort_all_then_drain() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        // Finished before the abort: they keep their output.
        let done: Vec<_> = (0..3u32).map(|i| set.spawn(async move { i })).collect();
        for h in &done {
            until(|| h.is_finished()).await;
        }
        for _ in 0..5 {
            set.spawn(async {
                std::future::pending::<()>().await;
                99
            });
        }
        set.abort_all();
        assert_eq!(set.len(), 8, "abort_all leaves the tasks in the set");
        let (mut ok, mut cancelled) = (Vec::new(), 0);
        while let Some(res) = set.join_next().await {
            match res {
                Ok(v) => ok.push(v),
                Err(e) if e.is_cancelled() => cancelled += 1,
                Err(e) => panic!("{e}"),
            }
        }
        ok.sort_unstable();
        assert_eq!(ok, [0, 1, 2]);
        assert_eq!(cancelled, 5);
    });
}

#[test]
fn shutdown_waits_until_every_future_is_dropped() {
    let rt = rt(2);
    let drops = DropCounter::default();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            let tracked = drops.track();
            set.spawn(async move {
                let _tracked = tracked;
                std::future::pending::<()>().await
            });
        }
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(drops.count(), 10);
    });
}

#[test]
fn detach_all_lets_the_tasks_run_on() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let (out_tx, out_rx) = oneshot::channel::<u32>();
        set.spawn(async move {
            go_rx.await.unwrap();
            out_tx.send(5).unwrap();
        });
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        go_tx.send(()).unwrap();
        assert_eq!(out_rx.await.unwrap(), 5);
    });
}

#[test]
fn try_join_next_does_not_wait() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        let (tx, rx) = oneshot::channel::<()>();
        set.spawn(async move {
            rx.await.unwrap();
            1
        });
        assert!(set.try_join_next().is_none());
        tx.send(()).unwrap();
        let mut got = None;
        until(|| {
            got = set.try_join_next();
            got.is_some()
        })
        .await;
        assert_eq!(got.unwrap().unwrap(), 1);
        assert!(set.is_empty());
        assert!(set.try_join_next().is_none());
    });
}

#[test]
fn join_all_and_ids() {
    let rt = rt(2);
    rt.block_on(async {
        let mut set = JoinSet::new();
        let ids: Vec<TaskId> = (0..4u32)
            .map(|i| set.spawn(async move { (i, task::id()) }).id())
            .collect();
        let mut out = set.join_all().await;
        out.sort_unstable();
        for (i, (v, id)) in out.into_iter().enumerate() {
            assert_eq!(v, i as u32);
            assert_eq!(id, ids[i], "task::id() is the id the set handed out");
        }

        let mut set = JoinSet::new();
        let abort = set.spawn(async { 8 });
        let (id, v) = set.join_next_with_id().await.unwrap().unwrap();
        assert_eq!((id, v), (abort.id(), 8));
    });
}

#[test]
fn join_all_resumes_a_task_panic() {
    let rt = rt(2);
    let result = rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("joined by join_all") });
        AssertUnwindSafe(set.join_all()).catch_unwind().await
    });
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"joined by join_all"));
}

#[test]
fn spawn_blocking_in_a_set() {
    let rt = rt(1);
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn_blocking(|| 40 + 2);
        assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    });
}

/// The dump shows the user's spawn site for a set's tasks, and a task in `join_next` waits
/// on nothing in particular while several tasks are left, on the last one when one is.
#[test]
fn dumps_show_spawn_sites_and_the_join_next_wait() {
    let rt = rt(2);
    let (a_tx, a_rx) = oneshot::channel::<()>();
    let (_b_tx, b_rx) = oneshot::channel::<()>();
    let (ids_tx, ids_rx) = std::sync::mpsc::channel();
    let waiter = rt.spawn(async move {
        let mut set = JoinSet::new();
        let (a, line) = (set.spawn(async move { a_rx.await.is_ok() }), line!());
        let b = set.spawn(async move { b_rx.await.is_ok() });
        ids_tx.send((a.id(), b.id(), line)).unwrap();
        while set.join_next().await.is_some() {}
    });
    let waiter_id = waiter.id();
    let (a, b, line) = ids_rx.recv().unwrap();
    let find = |id: TaskId| {
        rt.handle()
            .snapshot()
            .tasks
            .into_iter()
            .find(|t| t.id == id)
    };

    let site = find(a).expect("task a is alive").spawned_at.unwrap();
    assert!(site.file.ends_with("toolbox_tasks.rs"), "{site:?}");
    assert_eq!(site.line, line);

    // Two tasks left: idle in `join_next`, on a join among other waits (either may free it).
    until_blocking(|| find(waiter_id).is_some_and(|t| t.wait.is_some()));
    let wait = find(waiter_id).unwrap().wait.unwrap();
    assert!(wait.among_others, "{wait:?}");
    assert!(wait.task == Some(a) || wait.task == Some(b), "{wait:?}");

    // One left: `join task b`, the only wait.
    a_tx.send(()).unwrap();
    until_blocking(|| {
        find(waiter_id).is_some_and(|t| t.wait.as_ref().is_some_and(|w| !w.among_others))
    });
    let wait = find(waiter_id).unwrap().wait.unwrap();
    assert_eq!(wait.task, Some(b));
    assert_eq!(wait.what, format!("join task {b}"));
    waiter.abort();
}

// ---- task::id ----

#[test]
fn task_id_inside_tasks_is_the_join_handle_id() {
    let rt = rt(2);
    let handles: Vec<_> = (0..50)
        .map(|_| {
            rt.spawn(async {
                executor::yield_now().await;
                (task::id(), task::try_id())
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for h in handles {
        let id = h.id();
        let (inside, tried) = rt.block_on(h).unwrap();
        assert_eq!(inside, id);
        assert_eq!(tried, Some(id));
        assert!(seen.insert(id), "ids are distinct");
    }
}

#[test]
fn try_id_is_none_outside_tasks() {
    assert_eq!(task::try_id(), None);
    assert_eq!(std::thread::spawn(task::try_id).join().unwrap(), None);
    let rt = rt(1);
    // A spawn_blocking closure runs on a pool thread, outside any task.
    let blocking = rt.block_on(async { executor::spawn_blocking(task::try_id).await.unwrap() });
    assert_eq!(blocking, None);
    // A block_on future is a task in dumps, with an id of its own.
    let outer = rt.block_on(async {
        let inner = executor::spawn(async { task::id() }).await.unwrap();
        (task::id(), inner)
    });
    assert_ne!(outer.0, outer.1);
}

// ---- AbortHandle ----

#[test]
fn abort_handle_is_finished_and_id() {
    let rt = rt(2);
    // Completion.
    let (tx, rx) = oneshot::channel::<()>();
    let h = rt.spawn(async move { rx.await.unwrap() });
    let abort = h.abort_handle();
    assert_eq!(abort.id(), h.id());
    assert!(!abort.is_finished());
    tx.send(()).unwrap();
    rt.block_on(h).unwrap();
    assert!(abort.is_finished());

    // Abort.
    let h = rt.spawn(std::future::pending::<()>());
    let abort = h.abort_handle();
    assert!(!abort.is_finished());
    abort.abort();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    assert!(abort.is_finished());

    // Panic.
    let h = rt.spawn(async { panic!("for is_finished") });
    let abort = h.abort_handle();
    assert!(rt.block_on(h).unwrap_err().is_panic());
    assert!(abort.is_finished());

    // Taken from a handle whose task is already done, and cloned.
    let h = rt.spawn(async {});
    rt.block_on(async { until(|| h.is_finished()).await });
    let late = h.abort_handle();
    assert!(late.is_finished());
    assert!(late.clone().is_finished());
}

#[test]
fn abort_handles_see_runtime_shutdown() {
    let rt = rt(1);
    let h = rt.spawn(std::future::pending::<()>());
    let abort = h.abort_handle();
    drop(h);
    assert!(!abort.is_finished());
    drop(rt);
    assert!(abort.is_finished(), "the runtime dropped the task");
}

// ---- task_local! ----

executor::task_local! {
    static NUMBER: u32;
    /// A key with attributes and a non-Copy type.
    pub(crate) static NAME: String;
}

#[test]
fn nested_scopes_hide_and_restore() {
    let rt = rt(1);
    rt.block_on(NUMBER.scope(1, async {
        assert_eq!(NUMBER.get(), 1);
        NUMBER
            .scope(2, async {
                assert_eq!(NUMBER.get(), 2);
                NUMBER.scope(3, async { assert_eq!(NUMBER.get(), 3) }).await;
                assert_eq!(NUMBER.get(), 2);
            })
            .await;
        assert_eq!(NUMBER.get(), 1);
        NAME.scope("outer".into(), async {
            NAME.with(|n| assert_eq!(n, "outer"));
            assert_eq!(NUMBER.get(), 1, "keys are independent");
        })
        .await;
        assert!(NAME.try_with(|_| ()).is_err());
    }));
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(NAME.try_with(|_| ()), Err(err));
}

#[test]
fn not_visible_outside_the_scope() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    let rt = rt(1);
    rt.block_on(async {
        assert!(NUMBER.try_with(|_| ()).is_err());
        let scoped = NUMBER.scope(9, async { NUMBER.get() });
        // Built, not yet polled: still not visible.
        assert!(NUMBER.try_with(|_| ()).is_err());
        assert_eq!(scoped.await, 9);
        assert!(NUMBER.try_with(|_| ()).is_err());
    });
}

#[test]
fn follows_the_task_across_awaits_and_workers() {
    let rt = rt(2);
    let n = scaled(200) as u32;
    let handles: Vec<_> = (0..n)
        .map(|i| {
            rt.spawn(NUMBER.scope(i, async move {
                for _ in 0..20 {
                    assert_eq!(NUMBER.get(), i, "another task's value leaked in");
                    executor::yield_now().await;
                }
                NUMBER.get()
            }))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(rt.block_on(h).unwrap(), i as u32);
    }
}

#[test]
fn spawned_children_do_not_inherit() {
    let rt = rt(2);
    rt.block_on(NUMBER.scope(4, async {
        let child = executor::spawn(async { NUMBER.try_with(|n| *n).is_ok() });
        assert!(!child.await.unwrap());
        assert_eq!(NUMBER.get(), 4);
    }));
}

#[test]
fn restored_after_a_panic_in_the_scoped_future() {
    let rt = rt(1);
    rt.block_on(NUMBER.scope(1, async {
        let inner = NUMBER.scope(2, async {
            assert_eq!(NUMBER.get(), 2);
            panic!("inside the scope");
        });
        let caught = AssertUnwindSafe(inner).catch_unwind().await;
        assert!(caught.is_err());
        assert_eq!(NUMBER.get(), 1, "the outer value is back");
    }));
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
fn sync_scope_sets_and_restores() {
    assert_eq!(NUMBER.sync_scope(5, || NUMBER.get() + 1), 6);
    assert!(NUMBER.try_with(|_| ()).is_err());
    let nested = NUMBER.sync_scope(1, || {
        let inner = NUMBER.sync_scope(2, || NUMBER.get());
        (inner, NUMBER.get())
    });
    assert_eq!(nested, (2, 1));
    let caught = std::panic::catch_unwind(|| NUMBER.sync_scope(3, || panic!("in sync_scope")));
    assert!(caught.is_err());
    assert!(NUMBER.try_with(|_| ()).is_err(), "restored after the panic");
    // Readers nest.
    NAME.sync_scope("x".into(), || {
        NAME.with(|a| NAME.with(|b| assert_eq!(a, b)));
    });
}

#[test]
fn the_value_is_dropped_with_the_scope_and_visible_to_destructors() {
    struct ReadsOnDrop(std::sync::Arc<std::sync::Mutex<Option<u32>>>);
    impl Drop for ReadsOnDrop {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = NUMBER.try_with(|n| *n).ok();
        }
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let guard = ReadsOnDrop(seen.clone());
    let scoped = NUMBER.scope(77, async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    let mut scoped = Box::pin(scoped);
    // Poll once so the inner future holds the guard, then drop it unfinished.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(scoped.as_mut().poll(&mut cx).is_pending());
    assert!(NUMBER.try_with(|_| ()).is_err(), "set only during the poll");
    drop(scoped);
    assert_eq!(*seen.lock().unwrap(), Some(77));
}

#[test]
fn take_value_gives_the_value_back() {
    let mut scoped = Box::pin(NAME.scope("kept".into(), async {}));
    assert_eq!(scoped.as_mut().take_value().as_deref(), Some("kept"));
    assert_eq!(scoped.as_mut().take_value(), None);
}
