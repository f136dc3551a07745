//! Latencies criterion cannot measure: the fatal path's (a fatal error ends the process, so
//! whole processes are timed), and spawns while live snapshots run back to back:
//!
//! - **freeze latency**: from the fatal error to every worker stopped, with W workers busy on
//!   yielding tasks (read from the dump's own `freeze:` note, which the runtime times from
//!   the moment it set the freezing flag);
//! - **SIGQUIT to exit**: from `kill -QUIT` to the process's exit, with N idle tasks, every
//!   one of them traced (the default), the dump written to a file;
//! - **spawn latency under snapshots**: the time one `Handle::spawn` call takes, from a plain
//!   thread, while another thread takes live snapshots of N idle tasks back to back (a snapshot
//!   holds a registry shard's lock for at most 64 records at a time): p50, p99 and max over
//!   10,000 spawns, beside the same without snapshots.
//!
//! ```text
//! cargo run --release -p benches --bin latency -- [--runs 5] [--tasks 100000]
//! ```
//!
//! Prints the median and the spread of the runs, and writes them to `latency.json` in
//! criterion's directory for `report`. `BENCH_WORKERS` sets W as for the suite.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benches::{meta, workers};
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("child-freeze") => child_freeze(arg(&args, 1)),
        Some("child-sigquit") => child_sigquit(arg(&args, 1)),
        _ => parent(&args),
    }
}

fn arg(args: &[String], i: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).expect("a number")
}

fn option(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

/// W workers, 4W tasks yielding in a loop, then a fatal error from the main thread.
fn child_freeze(w: usize) {
    let rt = executor::Runtime::builder()
        .worker_threads(w)
        .build()
        .unwrap();
    for _ in 0..4 * w {
        drop(rt.spawn(async {
            loop {
                executor::yield_now().await;
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(100));
    executor::fatal("fatal_latency: freeze");
}

/// N idle tasks; says "ready" and waits for SIGQUIT.
fn child_sigquit(n: usize) {
    let rt = executor::Runtime::builder().build().unwrap();
    let (keep, rx) = async_channel::bounded::<()>(1);
    let polled = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..n {
        let (rx, polled) = (rx.clone(), polled.clone());
        drop(rt.spawn(async move {
            polled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = rx.recv().await;
        }));
    }
    while polled.load(std::sync::atomic::Ordering::Relaxed) < n {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!("ready");
    rt.block_on(std::future::pending::<()>());
    drop(keep);
}

fn parent(args: &[String]) {
    let runs = option(args, "--runs", 5);
    let tasks = option(args, "--tasks", 100_000);
    let w = workers();
    let exe = std::env::current_exe().expect("own path");

    let mut freeze = Vec::new();
    for _ in 0..runs {
        let out = Command::new(&exe)
            .args(["child-freeze", &w.to_string()])
            .env("EXECUTOR_TRACEBACK", "none")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("child runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match freeze_time(&stderr) {
            Some(d) => freeze.push(d),
            None => eprintln!("latency: no freeze note in:\n{stderr}"),
        }
    }

    let dir = std::env::temp_dir().join(format!("fatal-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut sigquit = Vec::new();
    for run in 0..runs {
        let dump = std::fs::File::create(dir.join(format!("dump{run}.txt"))).expect("dump file");
        let mut child = Command::new(&exe)
            .args(["child-sigquit", &tasks.to_string()])
            .stdout(Stdio::piped())
            .stderr(dump)
            .spawn()
            .expect("child runs");
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        assert!(
            lines.any(|l| l.is_ok_and(|l| l == "ready")),
            "the child never got ready"
        );
        let start = Instant::now();
        let killed = Command::new("kill")
            .args(["-QUIT", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = child.wait().expect("wait");
        sigquit.push(start.elapsed());
        assert_eq!(status.code(), Some(2), "a dump ends with status 2");
    }
    let _ = std::fs::remove_dir_all(&dir);

    let report = |name: &str, mut v: Vec<Duration>| {
        v.sort();
        let median = v.get(v.len() / 2).copied().unwrap_or_default();
        println!(
            "{name}: median {median:?}, min {:?}, max {:?} ({} runs)",
            v.first().copied().unwrap_or_default(),
            v.last().copied().unwrap_or_default(),
            v.len()
        );
        json!({
            "median_ns": median.as_nanos() as u64,
            "min_ns": v.first().map_or(0, |d| d.as_nanos() as u64),
            "max_ns": v.last().map_or(0, |d| d.as_nanos() as u64),
            "runs": v.len(),
        })
    };
    let (quiet, loaded) = spawn_latency(w, tasks);
    let table = json!({
        "measured_unix_ms": meta::unix_ms(),
        "workers": w,
        "tasks": tasks,
        "freeze": report(&format!("freeze latency, {w} busy workers"), freeze),
        "sigquit_to_exit": report(&format!("SIGQUIT to exit, {tasks} idle tasks"), sigquit),
        "spawn_quiet": quiet,
        "spawn_under_snapshots": loaded,
    });
    let path = meta::criterion_dir().join(meta::LATENCY_FILE);
    if std::fs::create_dir_all(meta::criterion_dir()).is_ok() {
        if let Err(e) = std::fs::write(&path, table.to_string()) {
            eprintln!("latency: cannot write {}: {e}", path.display());
        }
    }
}

/// Spawn-call latencies from a plain thread, without and with a thread taking live snapshots
/// of `tasks` idle tasks back to back: percentiles of 10,000 spawns each.
fn spawn_latency(w: usize, tasks: usize) -> (serde_json::Value, serde_json::Value) {
    let rt = executor::Runtime::builder()
        .worker_threads(w)
        .build()
        .unwrap();
    let (keep, rx) = async_channel::bounded::<()>(1);
    for _ in 0..tasks {
        let rx = rx.clone();
        drop(rt.spawn(async move {
            let _ = rx.recv().await;
        }));
    }
    std::thread::sleep(Duration::from_millis(200));
    let measure = |label: &str| {
        let mut samples = Vec::with_capacity(10_000);
        for _ in 0..10_000 {
            let start = Instant::now();
            let h = rt.spawn(async {});
            samples.push(start.elapsed());
            drop(h);
            if samples.len() % 100 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
        println!(
            "spawn call, {label}: p50 {:?}, p99 {:?}, max {:?}",
            at(0.5),
            at(0.99),
            samples[samples.len() - 1]
        );
        json!({
            "p50_ns": at(0.5).as_nanos() as u64,
            "p99_ns": at(0.99).as_nanos() as u64,
            "max_ns": samples[samples.len() - 1].as_nanos() as u64,
        })
    };
    let quiet = measure("no snapshots");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let snapshots = {
        let (handle, stop) = (rt.handle().clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::hint::black_box(handle.snapshot());
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let loaded = measure(&format!("snapshots of {tasks} tasks back to back"));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let n = snapshots.join().unwrap_or(0);
    println!("({n} snapshots taken meanwhile)");
    drop(keep);
    (quiet, loaded)
}

/// The time in the dump's note `freeze: 2 of 2 other workers stopped, the last 45.2µs after
/// the fatal error`.
fn freeze_time(stderr: &str) -> Option<Duration> {
    let line = stderr.lines().find(|l| l.starts_with("note: freeze: "))?;
    let after = line.split("the last ").nth(1)?;
    let value = after.split(' ').next()?;
    parse_human(value.trim_end_matches(')'))
}

/// `45.2µs`, `3.29ms`, `1.05s`, `812ns`.
fn parse_human(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let ns = match unit {
        "ns" => number,
        "µs" => number * 1e3,
        "ms" => number * 1e6,
        "s" => number * 1e9,
        _ => return None,
    };
    Some(Duration::from_nanos(ns as u64))
}
