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
//! out. The argument is the runtime (`executor`, `tokio` or `async-executor`), then N.

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

fn main() {
    let mut args = std::env::args().skip(1);
    let runtime = args.next().unwrap_or_default();
    let yields = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    match runtime.as_str() {
        "executor" => run::<ExecutorRt>(yields),
        "tokio" => run::<TokioRt>(yields),
        "async-executor" => run::<AsyncExecutorRt>(yields),
        _ => {
            eprintln!("usage: yield_instructions executor|tokio|async-executor [YIELDS]");
            std::process::exit(2);
        }
    }
}
