//! The headline example: a small payment service that hangs, and the dump that says why.
//!
//! ```text
//! cargo run -p examples --example fatal_dump               # default policy: Freeze
//! cargo run -p examples --example fatal_dump -- --no-freeze
//! ```
//!
//! It exits with status 2, by design: a watchdog task finds that no transfer has completed
//! and calls `executor::fatal`, which prints what every task was doing. The bugs are the ones
//! that "everything stopped" is usually made of, and each is plain from the dump alone:
//!
//! - two transfers lock the same two accounts in opposite order: a **deadlock**, printed first,
//!   with both tasks, both mutexes and where each was created; each transfer's block shows the
//!   `.await` it is stuck at;
//! - a report generator compresses its output with a blocking loop inside an async fn: it
//!   **holds its worker**, and its block shows the native stack, down to the loop's line;
//! - a task spawned by the report generator is **starved** behind it: scheduled, never polled;
//! - the rest is healthy: an accept loop idle in `accept()`, handlers idle on their queue.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_io::{Async, Timer};
use executor::sync::Mutex;
use executor::{task, FreezePolicy, Runtime};

/// An account's balance.
struct Account {
    balance: u64,
}

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
            // Nobody connects: idle in accept() for the whole run.
            if let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        }
    });

    let mut requests = Vec::new();
    for i in 0..3 {
        let (tx, queue) = executor::sync::mpsc::channel::<String>(16);
        requests.push(tx);
        task::Builder::new()
            .name(format!("handler-{i}"))
            .spawn(handle_requests(queue));
    }

    let alice = Arc::new(Mutex::new(Account { balance: 100 }));
    let bob = Arc::new(Mutex::new(Account { balance: 50 }));
    let completed = Arc::new(AtomicU64::new(0));
    for (name, from, to) in [
        ("transfer-alice-to-bob", alice.clone(), bob.clone()),
        ("transfer-bob-to-alice", bob.clone(), alice.clone()),
    ] {
        let completed = completed.clone();
        task::Builder::new().name(name).spawn(async move {
            transfer(&from, &to, 10).await;
            completed.fetch_add(1, Ordering::SeqCst);
        });
    }

    task::Builder::new()
        .name("report-generator")
        .spawn(generate_report());

    let watchdog = task::Builder::new().name("watchdog").spawn(async move {
        Timer::after(Duration::from_millis(300)).await;
        let done = completed.load(Ordering::SeqCst);
        if done < 2 {
            executor::fatal(format!(
                "transfers stalled: {done} of 2 completed after 300ms"
            ));
        }
    });
    let _ = watchdog.await;
    drop(requests);
}

/// Takes requests off its queue, one at a time.
async fn handle_requests(mut queue: executor::sync::mpsc::Receiver<String>) {
    while let Some(request) = queue.recv().await {
        drop(request);
    }
}

/// Moves `amount` from one account to the other. The bug: it locks `from` first, so two
/// transfers in opposite directions each hold one lock and wait for the other.
async fn transfer(from: &Mutex<Account>, to: &Mutex<Account>, amount: u64) {
    let mut from = from.lock().await;
    // Checking the balance with a remote ledger takes a moment, with the lock held.
    Timer::after(Duration::from_millis(20)).await;
    let mut to = to.lock().await;
    from.balance -= amount;
    to.balance += amount;
}

/// Builds a report, then compresses it, blocking its worker all along.
async fn generate_report() {
    // Spawned from inside the poll below, this task lands in this worker's queue: woken,
    // but never run while the compression holds the worker.
    task::Builder::new()
        .name("send-report")
        .spawn(async { println!("report sent") });
    let report = vec![7u8; 1 << 16];
    compress_in_place(report);
}

/// A CPU-heavy loop in an async context: the classic worker hog. (Its inner loop makes no
/// calls, so a stack taken at any moment is almost always right in it.)
fn compress_in_place(data: Vec<u8>) -> Vec<u8> {
    let start = Instant::now();
    let mut state = u64::from(data[0]) | 1;
    while start.elapsed() < Duration::from_secs(30) {
        let mut round = 0u32;
        while round < 1_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            round += 1;
        }
    }
    std::hint::black_box(state);
    data
}
