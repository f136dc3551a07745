//! Hello, runtime: spawn 10,000 small tasks, join them all, and check the result.
//!
//! `#[executor::main]` turns `async fn main` into a program that starts a runtime (one
//! worker per core) and runs the body as the task `main`. Each spawned task computes the
//! square of its index; `main` awaits every `JoinHandle`, sums the squares and compares the
//! sum with the closed form `(n-1)·n·(2n-1)/6`. The program exits with status 1 if a task
//! failed or the sum is wrong.
//!
//! ```text
//! cargo run -p examples --example hello
//! ```

use std::process::ExitCode;

/// How many tasks to spawn.
const TASKS: u64 = 10_000;

#[executor::main]
async fn main() -> ExitCode {
    let handles: Vec<_> = (0..TASKS)
        .map(|i| executor::spawn(async move { i * i }))
        .collect();

    let mut sum = 0u64;
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.await {
            Ok(square) => sum += square,
            Err(e) => {
                eprintln!("hello: task {i} failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    let expected = (TASKS - 1) * TASKS * (2 * TASKS - 1) / 6;
    println!(
        "hello: {TASKS} tasks on {} workers, sum of squares = {sum}",
        executor::Handle::current().worker_threads()
    );
    if sum == expected {
        println!("hello: ok (closed form agrees: {expected})");
        ExitCode::SUCCESS
    } else {
        eprintln!("hello: MISMATCH: expected {expected}, got {sum}");
        ExitCode::FAILURE
    }
}
