//! I5: snapshots are complete and exact while tasks are spawned and completed concurrently.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use executor::{task, TaskId};

#[test]
fn thousand_snapshots_under_churn_list_each_live_task_once() {
    let rt = common::rt(2);
    // Anchors: alive across every snapshot below.
    let (release, wait) = async_channel::bounded::<()>(1);
    let anchors: Vec<_> = (0..50)
        .map(|i| {
            let wait = wait.clone();
            rt.spawn_named(format!("anchor-{i}"), async move {
                let _ = wait.recv().await;
            })
        })
        .collect();
    let anchor_ids: HashSet<TaskId> = anchors.iter().map(|h| h.id()).collect();

    let stop = Arc::new(AtomicBool::new(false));
    let churners: Vec<_> = (0..3)
        .map(|t| {
            let handle = rt.handle().clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut spawned = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let batch: Vec<_> = (0..20)
                        .map(|i| {
                            handle.spawn(async move {
                                if i % 2 == 0 {
                                    executor::yield_now().await;
                                }
                                // Some spawn a child and detach it.
                                if i % 5 == 0 {
                                    drop(executor::spawn(async {}));
                                }
                                t
                            })
                        })
                        .collect();
                    for h in batch {
                        assert_eq!(futures_lite::future::block_on(h).unwrap(), t);
                    }
                    spawned += 20;
                }
                spawned
            })
        })
        .collect();

    let mut max_tasks = 0;
    for _ in 0..common::scaled(1000) {
        let snap = rt.handle().snapshot();
        let mut seen = HashSet::new();
        for t in &snap.tasks {
            assert!(seen.insert(t.id), "task {} listed twice", t.id);
        }
        for id in &anchor_ids {
            assert!(seen.contains(id), "anchor {id} missing");
        }
        // States and pollers agree in every row; nothing is "skipped" in a live view.
        for t in &snap.tasks {
            let running = t.state == executor::introspect::TaskState::Running;
            assert_eq!(t.poller.is_some(), running, "{t:?}");
            assert!(!t.skipped);
            if running {
                assert!(t.polls >= 1, "the poll in progress counts: {t:?}");
            }
        }
        max_tasks = max_tasks.max(snap.tasks.len());
    }
    stop.store(true, Ordering::Relaxed);
    let spawned: u64 = churners.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(spawned > 0);
    assert!(max_tasks > anchor_ids.len(), "the churn never showed up");

    // Once the churn is over and every handle is gone, only the anchors (and the tasks a
    // worker may still be releasing) remain; then nothing but anchors.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ids: HashSet<_> = rt.handle().snapshot().tasks.iter().map(|t| t.id).collect();
        if ids == anchor_ids {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "dropped tasks still listed"
        );
        std::thread::yield_now();
    }
    drop(release);
    for h in anchors {
        futures_lite::future::block_on(h).unwrap();
    }
    assert!(rt.handle().snapshot().tasks.is_empty());
}

trait SpawnNamed {
    fn spawn_named<F>(&self, name: String, f: F) -> executor::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static;
}

impl SpawnNamed for executor::Runtime {
    fn spawn_named<F>(&self, name: String, f: F) -> executor::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        task::Builder::new().name(name).spawn_on(f, self.handle())
    }
}

#[test]
fn hostile_names_are_escaped_in_a_real_dump() {
    let rt = common::rt(1);
    let names = [
        "a\nTASK 1 idle".to_owned(),
        "\u{1b}[2J\u{1b}[31mred".to_owned(),
        "x".repeat(10_000),
    ];
    let _handles: Vec<_> = names
        .iter()
        .map(|n| rt.spawn_named(n.clone(), std::future::pending::<()>()))
        .collect();
    let mut out = Vec::new();
    rt.handle().dump(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'));
    assert!(!text.lines().any(|l| l.starts_with("TASK 1")), "{text}");
    assert!(text.contains(r#"a\nTASK 1 idle"#));
    assert!(
        text.lines().all(|l| l.len() < 2_000),
        "a line is not bounded"
    );
}
