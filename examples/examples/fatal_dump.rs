//! The headline example: a small service hits a fatal error and prints what every task was
//! doing.
//!
//! ```text
//! cargo run -p examples --example fatal_dump               # default policy: Freeze
//! cargo run -p examples --example fatal_dump -- --no-freeze
//! ```
//!
//! The tasks: an accept loop idle on a TCP listener, three connection handlers awaiting a
//! channel, a CPU hog that never yields (it keeps its worker, so the dump reports it
//! `running, skipped`), a task woken behind the hog that never got to run (`scheduled`),
//! and a supervisor that finds a broken invariant and calls `executor::fatal`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use executor::{task, FreezePolicy, Runtime};

fn main() {
    let policy = if std::env::args().any(|a| a == "--no-freeze") {
        FreezePolicy::NoFreeze
    } else {
        FreezePolicy::Freeze
    };
    let rt = Runtime::builder()
        .worker_threads(4)
        .freeze_policy(policy)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("fatal_dump: {e}");
            std::process::exit(1)
        });
    rt.block_on(serve());
}

async fn serve() {
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind 127.0.0.1");
    task::Builder::new().name("accept-loop").spawn(async move {
        loop {
            // Nobody connects: this task is idle in accept() for the whole run.
            if let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        }
    });

    let (tx, rx) = async_channel::bounded::<String>(16);
    for i in 0..3 {
        let rx = rx.clone();
        task::Builder::new()
            .name(format!("conn-handler-{i}"))
            .spawn(async move {
                while let Ok(request) = rx.recv().await {
                    drop(request);
                }
            });
    }

    drop(rx);
    task::Builder::new().name("cpu-hog").spawn(async {
        // Spawned from inside the hog's poll, this task lands in the hog's worker's LIFO
        // slot: woken, but it will never run, because the hog never yields.
        task::Builder::new()
            .name("starved-by-hog")
            .spawn(async { println!("never printed") });
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_secs(30) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            std::hint::black_box(x);
        }
    });

    let supervisor = task::Builder::new().name("supervisor").spawn(async move {
        Timer::after(Duration::from_millis(200)).await;
        let queued = tx.len();
        let handlers = tx.receiver_count();
        // The invariant the service relies on: requests are accepted only while handlers run.
        if handlers > 0 && queued == 0 {
            executor::fatal(format!(
                "invariant broken: {handlers} handlers idle with an empty queue after 200ms"
            ));
        }
    });
    let _ = supervisor.await;
}
