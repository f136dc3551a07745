//! A tiny program to count instructions per yield under callgrind, where machine noise does
//! not reach: one worker, `TASKS` tasks each yielding N times through the suite's shared
//! [`benches::yield_now`].
//!
//! ```text
//! cargo build --profile bench -p benches --bin yield_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/yield_instructions executor 2000
//! ```
//!
//! Run it twice per runtime with two yield counts: the difference of the two totals divided
//! by the difference in yields is the cost of one yield, with start-up and shutdown cancelled
//! out. The argument is the runtime (`executor`, `tokio` or `async-executor`), then N, then
//! the workload: `yield` (the default), or `spawn-remote` / `spawn-local` (N tasks spawned
//! from a plain thread or by a root task, each awaited: the cost of one spawn).

use benches::workloads::yield_many;
use benches::{AsyncExecutorRt, ExecutorRt, Rt, TokioRt};

/// Tasks yielding at once (as in the suite's `yield_many`).
const TASKS: usize = 200;

fn run<R: Rt>(yields: usize) {
    let rt = R::new(1);
    // Lazily built state (thread-locals, first allocations) is paid in both runs alike.
    yield_many(&rt, TASKS, 1);
    yield_many(&rt, TASKS, yields);
}

/// The same for spawns: `n` tasks spawned from one plain thread (`remote`) or by a root task
/// (`local`), each awaited.
fn spawns<R: Rt>(remote: bool, n: usize) {
    let rt = R::new(1);
    let go = |n| {
        if remote {
            benches::workloads::spawn_many_remote(&rt, 1, n);
        } else {
            benches::workloads::spawn_many_local(&rt, n);
        }
    };
    go(100);
    go(n);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runtime = args.next().unwrap_or_default();
    let n = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let workload = args.next().unwrap_or_else(|| "yield".to_owned());
    match (runtime.as_str(), workload.as_str()) {
        ("executor", "yield") => run::<ExecutorRt>(n),
        ("tokio", "yield") => run::<TokioRt>(n),
        ("async-executor", "yield") => run::<AsyncExecutorRt>(n),
        ("executor", w @ ("spawn-remote" | "spawn-local")) => {
            spawns::<ExecutorRt>(w == "spawn-remote", n)
        }
        ("tokio", w @ ("spawn-remote" | "spawn-local")) => {
            spawns::<TokioRt>(w == "spawn-remote", n)
        }
        ("async-executor", w @ ("spawn-remote" | "spawn-local")) => {
            spawns::<AsyncExecutorRt>(w == "spawn-remote", n)
        }
        _ => {
            eprintln!(
                "usage: yield_instructions executor|tokio|async-executor [N] [yield|spawn-remote|spawn-local]"
            );
            std::process::exit(2);
        }
    }
}
