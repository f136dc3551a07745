//! A live dump of a running service: what every task is doing, without stopping anything.
//!
//! The program starts a small server with named tasks:
//!
//! - `accept-loop`, idle in `accept()` on a loopback TCP listener;
//! - three `conn-{peer}` handlers, idle waiting for input from clients that stay silent;
//! - `ticker`, waking every 20 ms on an `async_io::Timer`;
//! - four `pool-worker-{i}` tasks, which process a few jobs from an `async_channel` and
//!   then wait for more.
//!
//! Mid-flight it takes `Handle::snapshot_with` with await traces (where each idle task waits),
//! prints the live text dump and, with `--json`, the same snapshot as JSON
//! (`executor::introspect::render::json`) on stdout, or in a file with `--json=PATH`. Then it
//! shuts every task down cleanly and exits 0 (1 if a task is missing from the snapshot or a
//! task fails).
//!
//! ```text
//! cargo run -p examples --example live_snapshot
//! cargo run -p examples --example live_snapshot -- --json
//! cargo run -p examples --example live_snapshot -- --json=snapshot.json
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_channel::{Receiver, Sender};
use async_io::Timer;
use async_net::{TcpListener, TcpStream};
use executor::{task, Handle, JoinHandle, SnapshotOptions};
use futures_lite::{future, AsyncReadExt};

/// Silent client connections, hence idle `conn-*` handlers.
const CONNECTIONS: usize = 3;
/// Tasks in the worker pool.
const POOL: usize = 4;
/// Jobs the pool processes before the snapshot.
const JOBS: u64 = 12;

/// Where `--json` sends the JSON snapshot.
enum JsonOut {
    None,
    Stdout,
    File(String),
}

fn main() -> ExitCode {
    let mut json = JsonOut::None;
    for arg in std::env::args().skip(1) {
        if arg == "--json" {
            json = JsonOut::Stdout;
        } else if let Some(path) = arg.strip_prefix("--json=") {
            json = JsonOut::File(path.to_owned());
        } else {
            eprintln!("live_snapshot: unknown argument {arg:?} (use --json or --json=PATH)");
            return ExitCode::FAILURE;
        }
    }

    let rt = match executor::Runtime::builder().worker_threads(4).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("live_snapshot: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = rt.block_on(future::or(run(json), async {
        Timer::after(Duration::from_secs(10)).await;
        Err("timed out after 10s".to_owned())
    }));
    drop(rt);
    match outcome {
        Ok(()) => {
            println!("live_snapshot: shut down cleanly");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("live_snapshot: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(json: JsonOut) -> Result<(), String> {
    // Dropping `stop_tx` closes `stop_rx`: the accept loop and the ticker then return.
    let (stop_tx, stop_rx) = async_channel::bounded::<()>(1);

    // The server: an accept loop that spawns one handler per connection.
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    let (accepted_tx, accepted_rx) = async_channel::unbounded::<JoinHandle<u64>>();
    let accept = task::Builder::new().name("accept-loop").spawn(accept_loop(
        listener,
        accepted_tx,
        stop_rx.clone(),
    ));

    // The ticker.
    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = task::Builder::new()
        .name("ticker")
        .spawn(ticker(ticks.clone(), stop_rx));

    // The worker pool.
    let (jobs_tx, jobs_rx) = async_channel::unbounded::<u64>();
    let (results_tx, results_rx) = async_channel::unbounded::<u64>();
    let pool: Vec<_> = (0..POOL)
        .map(|i| {
            task::Builder::new()
                .name(format!("pool-worker-{i}"))
                .spawn(pool_worker(jobs_rx.clone(), results_tx.clone()))
        })
        .collect();
    drop((jobs_rx, results_tx));

    // Silent clients: their handlers wait for input that does not come (yet).
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(connect(addr).await?);
    }
    let mut handlers = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        handlers.push(
            accepted_rx
                .recv()
                .await
                .map_err(|_| "accept loop ended early")?,
        );
    }

    // Give the pool some work and wait for it, then let the ticker tick a few times.
    for job in 1..=JOBS {
        jobs_tx.send(job).await.map_err(|_| "pool gone")?;
    }
    let mut done = 0;
    for _ in 0..JOBS {
        done += results_rx.recv().await.map_err(|_| "pool gone")?;
    }
    // Sum of n² - n for n in 1..=JOBS.
    if done != (JOBS - 1) * JOBS * (JOBS + 1) / 3 {
        return Err(format!("pool computed {done}"));
    }
    while ticks.load(Ordering::Relaxed) < 3 {
        Timer::after(Duration::from_millis(5)).await;
    }

    // Mid-flight: snapshot and dump, nothing is stopped. With await traces: each idle task
    // is polled once more, on a tracer thread, to find where it waits.
    let handle = Handle::current();
    let snapshot = handle.snapshot_with(&SnapshotOptions::new().await_traces(true));
    {
        let mut out = std::io::stdout().lock();
        write!(out, "{snapshot}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("dump: {e}"))?;
    }
    match json {
        JsonOut::None => {}
        JsonOut::Stdout => println!("{}", executor::introspect::render::json(&snapshot)),
        JsonOut::File(path) => {
            std::fs::write(&path, executor::introspect::render::json(&snapshot))
                .map_err(|e| format!("write {path}: {e}"))?;
            println!("live_snapshot: JSON snapshot written to {path}");
        }
    }
    let names: Vec<&str> = snapshot
        .tasks
        .iter()
        .filter_map(|t| t.name.as_deref())
        .collect();
    let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    let expected = [
        ("accept-loop", 1),
        ("ticker", 1),
        ("conn-", CONNECTIONS),
        ("pool-worker-", POOL),
    ];
    for (prefix, want) in expected {
        if count(prefix) != want {
            return Err(format!(
                "snapshot has {} tasks named {prefix}*, expected {want}",
                count(prefix)
            ));
        }
    }
    println!(
        "live_snapshot: snapshot of {} tasks, ticker at {} ticks, pool did {JOBS} jobs",
        snapshot.tasks.len(),
        ticks.load(Ordering::Relaxed)
    );

    // Clean shutdown: each task gets its own reason to return, and is joined.
    drop(stop_tx); // accept loop and ticker
    drop(jobs_tx); // pool workers
    drop(clients); // connection handlers see end of input
    accept.await.map_err(|e| format!("accept-loop: {e}"))?;
    let total_ticks = ticker.await.map_err(|e| format!("ticker: {e}"))?;
    for h in pool {
        h.await.map_err(|e| format!("pool worker: {e}"))?;
    }
    for h in handlers {
        h.await.map_err(|e| format!("handler: {e}"))?;
    }
    println!(
        "live_snapshot: joined accept-loop, ticker ({total_ticks} ticks), {POOL} pool workers, \
         {CONNECTIONS} handlers"
    );
    Ok(())
}

async fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))
}

/// Accepts connections until `stop` closes, spawning a named handler for each.
async fn accept_loop(listener: TcpListener, accepted: Sender<JoinHandle<u64>>, stop: Receiver<()>) {
    loop {
        let next = future::or(async { Some(listener.accept().await) }, async {
            let _ = stop.recv().await;
            None
        })
        .await;
        match next {
            Some(Ok((stream, peer))) => {
                let h = task::Builder::new()
                    .name(format!("conn-{peer}"))
                    .spawn(handle(stream));
                let _ = accepted.send(h).await;
            }
            Some(Err(e)) => eprintln!("accept-loop: {e}"),
            None => return,
        }
    }
}

/// Reads until the client closes; returns how many bytes it got.
async fn handle(mut stream: TcpStream) -> u64 {
    let mut buf = [0u8; 1024];
    let mut total = 0;
    while let Ok(n @ 1..) = stream.read(&mut buf).await {
        total += n as u64;
    }
    total
}

/// Ticks every 20 ms until `stop` closes; returns the number of ticks.
async fn ticker(ticks: Arc<AtomicU64>, stop: Receiver<()>) -> u64 {
    loop {
        let stopped = future::or(
            async {
                Timer::after(Duration::from_millis(20)).await;
                false
            },
            async {
                let _ = stop.recv().await;
                true
            },
        )
        .await;
        if stopped {
            return ticks.load(Ordering::Relaxed);
        }
        ticks.fetch_add(1, Ordering::Relaxed);
    }
}

/// Takes jobs until the channel closes; the result of job `n` is `n * n - n`.
async fn pool_worker(jobs: Receiver<u64>, results: Sender<u64>) {
    while let Ok(n) = jobs.recv().await {
        executor::yield_now().await;
        if results.send(n * n - n).await.is_err() {
            return;
        }
    }
}
