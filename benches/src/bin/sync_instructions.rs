//! Instructions per operation of the `sync_*` and `time_sleep` workloads, under callgrind,
//! where machine noise does not reach: the suite's own workloads (`benches::primitives`) on a
//! one-worker executor runtime, run `REPEATS` times after one warm-up run.
//!
//! ```text
//! cargo build --profile bench -p benches --bin sync_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/sync_instructions mutex-uncontended executor 3
//! ```
//!
//! Run it twice per variant with two repeat counts (say 1 and 5): the difference of the two
//! totals divided by the extra operations (`repeats x` the per-run count printed on stderr)
//! is the cost of one operation, with start-up and shutdown cancelled out.
//! `benches/sync-instructions` does that for every variant and prints the table.

use benches::primitives::{self as prim, BenchMutex, BenchSemaphore};
use benches::{ExecutorRt, Rt};

/// The workloads, as `<group>-<variant>`; the implementations each accepts.
const WORKLOADS: &[(&str, &[&str])] = &[
    ("mutex-uncontended", &["executor", "tokio", "async-lock"]),
    ("mutex-contended", &["executor", "tokio", "async-lock"]),
    (
        "semaphore-uncontended",
        &["executor", "tokio", "async-lock"],
    ),
    ("semaphore-contended", &["executor", "tokio", "async-lock"]),
    ("mpsc-bounded", &["executor", "tokio", "async-channel"]),
    (
        "oneshot-round_trip",
        &["executor", "tokio", "async-channel"],
    ),
    ("sleep-arm", &["executor", "tokio", "async-io"]),
];

/// One run of `workload` with `implementation`; the operations it counts.
fn run_once(rt: &ExecutorRt, workload: &str, implementation: &str) -> Option<usize> {
    fn mutex<M: BenchMutex>(rt: &ExecutorRt, contended: bool) -> usize {
        prim::mutex::<_, M>(rt, contended);
        prim::LOCK_OPS
    }
    fn semaphore<S: BenchSemaphore>(rt: &ExecutorRt, contended: bool) -> usize {
        prim::semaphore::<_, S>(rt, contended);
        prim::LOCK_OPS
    }
    let ops = match (workload, implementation) {
        ("mutex-uncontended" | "mutex-contended", _) => {
            let contended = workload == "mutex-contended";
            match implementation {
                "executor" => mutex::<executor::sync::Mutex<u64>>(rt, contended),
                "tokio" => mutex::<tokio::sync::Mutex<u64>>(rt, contended),
                "async-lock" => mutex::<async_lock::Mutex<u64>>(rt, contended),
                _ => return None,
            }
        }
        ("semaphore-uncontended" | "semaphore-contended", _) => {
            let contended = workload == "semaphore-contended";
            match implementation {
                "executor" => semaphore::<executor::sync::Semaphore>(rt, contended),
                "tokio" => semaphore::<tokio::sync::Semaphore>(rt, contended),
                "async-lock" => semaphore::<async_lock::Semaphore>(rt, contended),
                _ => return None,
            }
        }
        ("mpsc-bounded", "executor") => {
            prim::mpsc::<_, prim::ExecutorMpsc>(rt);
            prim::MESSAGES
        }
        ("mpsc-bounded", "tokio") => {
            prim::mpsc::<_, prim::TokioMpsc>(rt);
            prim::MESSAGES
        }
        ("mpsc-bounded", "async-channel") => {
            prim::mpsc::<_, prim::AsyncChannelMpsc>(rt);
            prim::MESSAGES
        }
        ("oneshot-round_trip", "executor") => {
            prim::oneshot::<_, prim::ExecutorOneshot>(rt);
            prim::ROUND_TRIPS
        }
        ("oneshot-round_trip", "tokio") => {
            prim::oneshot::<_, prim::TokioOneshot>(rt);
            prim::ROUND_TRIPS
        }
        ("oneshot-round_trip", "async-channel") => {
            prim::oneshot::<_, prim::AsyncChannelOneshot>(rt);
            prim::ROUND_TRIPS
        }
        ("sleep-arm", "executor") => {
            prim::sleep_arm::<_, prim::ExecutorSleep>(rt);
            prim::SLEEPS_ARMED
        }
        ("sleep-arm", "tokio") => {
            prim::sleep_arm::<_, prim::TokioSleep>(rt);
            prim::SLEEPS_ARMED
        }
        ("sleep-arm", "async-io") => {
            prim::sleep_arm::<_, prim::AsyncIoSleep>(rt);
            prim::SLEEPS_ARMED
        }
        _ => return None,
    };
    Some(ops)
}

fn usage() -> ! {
    eprintln!("usage: sync_instructions WORKLOAD IMPLEMENTATION [REPEATS]");
    for (workload, implementations) in WORKLOADS {
        eprintln!("  {workload}: {}", implementations.join(", "));
    }
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(workload), Some(implementation)) = (args.next(), args.next()) else {
        usage()
    };
    let repeats: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    // One worker by default: the interleaving, and so the count, is the same from run to
    // run. `SYNC_WORKERS=2` shows what contention between workers adds (counts then move).
    let workers = std::env::var("SYNC_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    let rt = ExecutorRt::new(workers);
    // Lazily built state (thread-locals, timer thread, first allocations) is paid in every
    // run alike.
    let Some(ops) = run_once(&rt, &workload, &implementation) else {
        usage()
    };
    for _ in 0..repeats {
        run_once(&rt, &workload, &implementation);
    }
    eprintln!("operations per run: {ops}");
}
