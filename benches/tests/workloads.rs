//! Every workload, run small on every runtime: each completes (no lost wake-up, no deadlock)
//! and the shims behave the same.

use benches::idle::IdleTasks;
use benches::workloads as wl;
use benches::{AsyncExecutorRt, ExecutorRt, Rt, TaskHandle, TokioRt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn all_workloads<R: Rt>() {
    for w in [1, 2] {
        let rt = R::new(w);
        wl::spawn_many_local(&rt, 100);
        for threads in wl::REMOTE_THREADS {
            assert!(wl::spawn_many_remote(&rt, threads, 101) > Duration::ZERO);
        }
        wl::yield_many(&rt, 10, 20);
        wl::ping_pong(&rt, 50);
        wl::chained_spawn(&rt, 50);
        wl::channels_ring(&rt, 7, 5);
        wl::channels_ring(&rt, 1, 3);
        wl::spawn_one(&rt);
        let load = wl::BusyLoad::start(&rt, 2 * w, Duration::from_micros(10));
        for _ in 0..10 {
            wl::spawn_one(&rt);
        }
        load.stop(&rt);
        wl::spawn_complete(&rt, 50);

        let mut idle = IdleTasks::<R>::new(500);
        idle.spawn_all(&rt);
        idle.finish(&rt);
    }
}

fn detached_tasks_run<R: Rt>() {
    let rt = R::new(2);
    let done = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&done);
    wl::root(&rt, async move {
        for _ in 0..100 {
            let counter = Arc::clone(&counter);
            R::spawn_inside(async move {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .detach();
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while done.load(Ordering::SeqCst) < 100 {
        assert!(
            std::time::Instant::now() < deadline,
            "{}: detached tasks did not run",
            R::NAME
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn outputs_and_panics<R: Rt>() {
    let rt = R::new(1);
    assert_eq!(rt.block_on(rt.spawn(async { 7 })), 7);
    assert_eq!(
        wl::root(&rt, async { R::spawn_inside(async { 8 }).await }),
        8
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(rt.spawn(async { panic!("boom") }))
    }));
    assert!(
        panicked.is_err(),
        "{}: a task's panic must reach its awaiter",
        R::NAME
    );
    // The runtime still works after a task panicked.
    assert_eq!(rt.block_on(rt.spawn(async { 9 })), 9);
}

#[test]
fn executor_runs_every_workload() {
    all_workloads::<ExecutorRt>();
    detached_tasks_run::<ExecutorRt>();
    outputs_and_panics::<ExecutorRt>();
}

#[test]
fn tokio_runs_every_workload() {
    all_workloads::<TokioRt>();
    detached_tasks_run::<TokioRt>();
    outputs_and_panics::<TokioRt>();
}

#[test]
fn async_executor_runs_every_workload() {
    all_workloads::<AsyncExecutorRt>();
    detached_tasks_run::<AsyncExecutorRt>();
    outputs_and_panics::<AsyncExecutorRt>();
}
