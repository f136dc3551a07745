//! Many threads spawning, waking and completing tasks for a bounded time.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use common::STRESS_TIME;

#[test]
fn spawn_wake_complete_from_many_threads() {
    let rt = common::rt(4);
    let completed = Arc::new(AtomicU64::new(0));
    let spawned = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + STRESS_TIME;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let handle = rt.handle().clone();
            let completed = completed.clone();
            let spawned = spawned.clone();
            std::thread::spawn(move || {
                let mut round = 0u64;
                while Instant::now() < deadline {
                    round += 1;
                    // A pair of tasks that ping-pong through channels, woken from the
                    // other task (often on another worker) and from this plain thread.
                    let (tx, rx) = async_channel::bounded::<u64>(1);
                    let (back_tx, back_rx) = async_channel::bounded::<u64>(1);
                    let c = completed.clone();
                    let a = handle.spawn(async move {
                        let mut sum = 0;
                        while let Ok(v) = rx.recv().await {
                            sum += v;
                            if back_tx.send(v).await.is_err() {
                                break;
                            }
                            if v % 3 == 0 {
                                executor::yield_now().await;
                            }
                        }
                        c.fetch_add(1, Ordering::Relaxed);
                        sum
                    });
                    let c = completed.clone();
                    let b = handle.spawn(async move {
                        let nested = executor::spawn(async move { t * round });
                        let n = nested.await.unwrap();
                        c.fetch_add(1, Ordering::Relaxed);
                        n
                    });
                    spawned.fetch_add(2, Ordering::Relaxed);
                    for v in 0..10 {
                        tx.send_blocking(v).unwrap();
                        assert_eq!(back_rx.recv_blocking().unwrap(), v);
                    }
                    drop(tx);
                    assert_eq!(futures_lite::future::block_on(a).unwrap(), 45);
                    assert_eq!(futures_lite::future::block_on(b).unwrap(), t * round);
                    if round % 16 == 0 {
                        // An aborted task in the mix.
                        let h = handle.spawn(std::future::pending::<()>());
                        h.abort();
                        assert!(futures_lite::future::block_on(h)
                            .unwrap_err()
                            .is_cancelled());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        completed.load(Ordering::Relaxed),
        spawned.load(Ordering::Relaxed)
    );
    assert!(spawned.load(Ordering::Relaxed) > 0);
    // Nothing left registered but what the handles keep.
    let snap = rt.handle().snapshot();
    assert!(snap.tasks.is_empty(), "{} tasks left", snap.tasks.len());
}
