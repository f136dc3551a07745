//! Spawning, joining, panics, aborts, wakes from plain threads, block_on rules.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{rt, scaled};

#[test]
fn hundred_thousand_tasks_across_workers_all_joined() {
    let rt = rt(4);
    let n = scaled(100_000) as u64;
    let sum = rt.block_on(async move {
        let handles: Vec<_> = (0..n).map(|i| executor::spawn(async move { i })).collect();
        let mut sum = 0u64;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, n * (n - 1) / 2);
}

#[test]
fn tasks_spawned_from_tasks_run_on_several_workers() {
    let rt = rt(2);
    let threads = rt.block_on(async {
        let handles: Vec<_> = (0..200)
            .map(|_| {
                executor::spawn(async {
                    // Long enough that the other worker steals some.
                    std::thread::sleep(Duration::from_micros(200));
                    std::thread::current().name().unwrap().to_owned()
                })
            })
            .collect();
        let mut names = std::collections::HashSet::new();
        for h in handles {
            names.insert(h.await.unwrap());
        }
        names
    });
    assert_eq!(threads.len(), 2, "{threads:?}");
}

#[test]
fn woken_from_plain_os_threads() {
    let rt = rt(2);
    let n = 200;
    let (tx, rx) = async_channel::unbounded::<usize>();
    let consumer = rt.spawn(async move {
        let mut total = 0;
        while let Ok(v) = rx.recv().await {
            total += v;
        }
        total
    });
    let producers: Vec<_> = (0..4)
        .map(|_| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..n {
                    tx.send_blocking(i).unwrap();
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    drop(tx);
    assert_eq!(rt.block_on(consumer).unwrap(), 4 * n * (n - 1) / 2);
}

#[test]
fn panic_goes_to_join_handle_and_worker_survives() {
    let rt = rt(1);
    let err = rt
        .block_on(rt.spawn(async { panic!("boom {}", 7) }))
        .unwrap_err();
    assert!(err.is_panic());
    let payload = err.into_panic();
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    assert_eq!(text, Some("boom 7"));
    // The single worker is still alive.
    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

#[test]
fn abort_cancels_and_drops_the_future() {
    let rt = rt(2);
    let drops = common::DropCounter::default();
    let tracked = drops.track();
    let h = rt.spawn(async move {
        let _t = tracked;
        std::future::pending::<()>().await;
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(!h.is_finished());
    h.abort();
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert_eq!(drops.count(), 1);
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let rt = rt(1);
    let h = rt.spawn(async { 3 });
    while !h.is_finished() {
        std::thread::yield_now();
    }
    h.abort();
    assert_eq!(rt.block_on(h).unwrap(), 3);
}

#[test]
fn dropping_the_handle_detaches() {
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    drop(rt.spawn(async move {
        executor::yield_now().await;
        d.fetch_add(1, Ordering::SeqCst);
    }));
    rt.block_on(async {
        while done.load(Ordering::SeqCst) == 0 {
            executor::yield_now().await;
        }
    });
}

#[test]
fn yield_now_lets_others_run_on_one_worker() {
    let rt = rt(1);
    let flag = Arc::new(AtomicUsize::new(0));
    let f = flag.clone();
    let spinner = rt.spawn(async move {
        let mut spins = 0u64;
        while f.load(Ordering::SeqCst) == 0 {
            executor::yield_now().await;
            spins += 1;
        }
        spins
    });
    let setter = rt.spawn(async move {
        flag.store(1, Ordering::SeqCst);
    });
    rt.block_on(setter).unwrap();
    assert!(rt.block_on(spinner).unwrap() < 1_000_000);
}

#[test]
fn block_on_inside_a_task_panics_with_an_explanation() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move { handle.block_on(async {}) }))
        .unwrap_err();
    let msg = err.into_panic();
    let msg = msg.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("from inside a task"), "{msg}");
}

#[test]
fn spawn_outside_a_runtime_panics_clearly() {
    let err = std::panic::catch_unwind(|| drop(executor::spawn(async {}))).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("no executor runtime on this thread"), "{msg}");
}

#[test]
fn handle_current_and_try_current() {
    assert!(executor::Handle::try_current().is_none());
    let rt = rt(3);
    rt.block_on(async {
        assert_eq!(executor::Handle::current().worker_threads(), 3);
        let inner = executor::spawn(async { executor::Handle::current().worker_threads() });
        assert_eq!(inner.await.unwrap(), 3);
    });
    assert!(executor::Handle::try_current().is_none());
}

#[test]
fn handle_implements_futures_spawn() {
    use futures::task::SpawnExt;
    let rt = rt(2);
    let (tx, rx) = futures::channel::oneshot::channel();
    let h = rt.handle().clone();
    SpawnExt::spawn(&h, async move {
        tx.send(9).unwrap();
    })
    .unwrap();
    assert_eq!(rt.block_on(rx).unwrap(), 9);
}

#[test]
fn spawn_blocking_runs_off_the_workers() {
    let rt = rt(1);
    let out = rt.block_on(async {
        let blocking = executor::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            std::thread::current().name().map(str::to_owned)
        });
        // The single worker is free meanwhile.
        let quick = executor::spawn(async { 1 });
        assert_eq!(quick.await.unwrap(), 1);
        blocking.await.unwrap()
    });
    assert_ne!(out.as_deref(), Some("executor-worker-0"));
}

#[test]
fn builder_rejects_bad_values_with_clear_errors() {
    let e = executor::Runtime::builder()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(e, executor::BuildError::ZeroWorkers);
    assert!(e.to_string().contains("at least one worker"));
    let e = executor::Runtime::builder()
        .worker_threads(5000)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("at most 1024"), "{e}");
    let e = executor::Runtime::builder()
        .freeze_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("freeze_timeout"), "{e}");
    let e = executor::Runtime::builder()
        .thread_name("a\0b")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("NUL"), "{e}");
}

#[test]
#[cfg_attr(miri, ignore)] // async-io's reactor needs timerfd and epoll
fn async_io_timers_and_tcp_work_inside_tasks() {
    let rt = rt(2);
    rt.block_on(async {
        let t = executor::spawn(async {
            let start = std::time::Instant::now();
            async_io::Timer::after(Duration::from_millis(20)).await;
            start.elapsed()
        });
        assert!(t.await.unwrap() >= Duration::from_millis(20));

        let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let server = executor::spawn(async move {
            use futures_lite::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(&buf).await.unwrap();
        });
        let client = executor::spawn(async move {
            use futures_lite::{AsyncReadExt, AsyncWriteExt};
            let mut c = async_io::Async::<std::net::TcpStream>::connect(addr)
                .await
                .unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut buf = [0u8; 5];
            c.read_exact(&mut buf).await.unwrap();
            buf
        });
        assert_eq!(&client.await.unwrap(), b"hello");
        server.await.unwrap();
    });
}

#[test]
fn spawn_blocking_runs_inside_the_spawning_runtime() {
    let rt = common::rt(1);
    let out = rt.block_on(async {
        executor::spawn_blocking(|| {
            let handle = executor::Handle::try_current().expect("a runtime inside spawn_blocking");
            let inner = executor::spawn(async { 21 * 2 });
            handle.block_on(inner).unwrap()
        })
        .await
    });
    assert_eq!(out.unwrap(), 42);
}

#[test]
fn join_errors_name_the_task() {
    let rt = common::rt(1);
    let h = executor::task::Builder::new()
        .name("conn-\u{1b}7")
        .spawn_on(std::future::pending::<()>(), rt.handle());
    h.abort();
    let id = h.id();
    let err = rt.block_on(h).unwrap_err();
    // The name is escaped, as in dumps.
    assert_eq!(
        err.to_string(),
        format!("task {id} \"conn-\\u{{1b}}7\" was cancelled")
    );
}
