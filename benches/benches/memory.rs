//! Registry cost: bytes per idle task for each runtime, measured with a counting global
//! allocator around spawning 100,000 tasks that are then all pending (polled once, waiting).
//!
//! Runs with `cargo bench -p benches --bench memory`, as part of `cargo bench -p benches`; the
//! table is printed and written to `memory.json` in criterion's directory for `report`. Without
//! `--bench` (as under `cargo test --benches`) it runs 1,000 tasks as a smoke test. A filter
//! argument selects runtimes the way criterion's does (`memory/tokio`).

use benches::alloc_count::{counts, CountingAlloc};
use benches::idle::IdleTasks;
use benches::{meta, workers, workloads, AsyncExecutorRt, ExecutorRt, Rt, TokioRt};
use serde_json::{json, Value};
use std::time::Duration;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Idle tasks per runtime in a real run.
const TASKS: usize = 100_000;
/// Idle tasks per runtime in a smoke test.
const SMOKE_TASKS: usize = 1_000;

/// Criterion flags that take a value, so it is not mistaken for a filter.
const VALUE_FLAGS: &[&str] = &[
    "--save-baseline",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--format",
    "--profile-time",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
    "--color",
    "-c",
    "-b",
    "-s",
];

fn main() {
    let mut bench = false;
    let mut list = false;
    let mut filters = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => bench = true,
            "--list" => list = true,
            flag if VALUE_FLAGS.contains(&flag) => {
                args.next();
            }
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_owned()),
        }
    }
    let selected = |name: &str| {
        let id = format!("memory/{name}");
        filters.is_empty() || filters.iter().any(|f| id.contains(f.as_str()))
    };

    let names = [ExecutorRt::NAME, TokioRt::NAME, AsyncExecutorRt::NAME];
    if list {
        for name in names.iter().filter(|name| selected(name)) {
            println!("memory/{name}: benchmark");
        }
        return;
    }
    if !names.iter().any(|name| selected(name)) {
        return;
    }

    let w = workers();
    let tasks = if bench { TASKS } else { SMOKE_TASKS };
    let mut rows = Vec::new();
    if selected(ExecutorRt::NAME) {
        rows.push(measure::<ExecutorRt>(w, tasks));
    }
    if selected(TokioRt::NAME) {
        rows.push(measure::<TokioRt>(w, tasks));
    }
    if selected(AsyncExecutorRt::NAME) {
        rows.push(measure::<AsyncExecutorRt>(w, tasks));
    }

    let future_bytes = IdleTasks::<TokioRt>::new(0).future_size();
    let record_bytes = executor::__private::task_record_size();
    println!(
        "\nmemory: {tasks} idle tasks per runtime, W = {w}, task future {future_bytes} B, \
         executor's task record {record_bytes} B (in its registry's arena)"
    );
    println!("| runtime | bytes per idle task | allocations per task |");
    println!("| --- | ---: | ---: |");
    for row in &rows {
        println!(
            "| {} | {:.1} | {:.2} |",
            row["runtime"].as_str().unwrap_or("?"),
            row["bytes_per_task"].as_f64().unwrap_or(f64::NAN),
            row["allocations_per_task"].as_f64().unwrap_or(f64::NAN),
        );
    }
    println!();

    if bench {
        let table = json!({
            "measured_unix_ms": meta::unix_ms(),
            "tasks": tasks,
            "workers": w,
            "future_bytes": future_bytes,
            "record_bytes": record_bytes,
            "runtimes": rows,
        });
        meta::write_json(meta::MEMORY_FILE, &table);
    }
}

/// Live bytes and allocation calls added by `tasks` idle tasks on a fresh `R`.
fn measure<R: Rt>(w: usize, tasks: usize) -> Value {
    let rt = R::new(w);
    // Warm every worker (thread-locals, queues) so their one-time allocations are not counted.
    workloads::spawn_many_local(&rt, 1_000);
    let mut idle = IdleTasks::<R>::new(tasks);
    settle();
    let before = counts();
    idle.spawn_all(&rt);
    settle();
    let after = counts();
    idle.finish(&rt);
    drop(rt);

    let bytes = after.live_bytes as f64 - before.live_bytes as f64;
    let allocations = after.allocations.saturating_sub(before.allocations) as f64;
    json!({
        "runtime": R::NAME,
        "bytes_per_task": bytes / tasks as f64,
        "allocations_per_task": allocations / tasks as f64,
    })
}

/// Lets workers finish what they were doing (the last polls, queue block frees).
fn settle() {
    std::thread::sleep(Duration::from_millis(50));
}
