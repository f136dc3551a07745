//! The criterion suite: one group per workload, with executor, tokio and async-executor as the
//! group's function ids, all with W workers (`BENCH_WORKERS`, default: available parallelism).
//!
//! `cargo bench -p benches` runs it all; `BENCH_QUICK=1` (or criterion's `-- --quick`) runs a
//! short version. Each runtime is built at most once per group, lazily on its first benchmark
//! (so a filtered-out runtime is never built), and always outside the timed loop.

use benches::idle::IdleTasks;
use benches::primitives::{
    self as prim, BenchMpsc, BenchMutex, BenchOneshot, BenchSemaphore, BenchSleep,
};
use benches::workloads::{self as wl, BusyLoad};
use benches::{meta, quick_mode, workers, AsyncExecutorRt, ExecutorRt, Rt, TokioRt};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use introspect::render::{text, TextOptions};
use std::hint::black_box;
use std::time::Duration;

/// Runs `$body` once per runtime with `$rt` naming that runtime's shim type.
macro_rules! for_each_runtime {
    ($rt:ident => $body:block) => {{
        {
            type $rt = ExecutorRt;
            $body
        }
        {
            type $rt = TokioRt;
            $body
        }
        {
            type $rt = AsyncExecutorRt;
            $body
        }
    }};
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Criterion's `--quick` stops each benchmark at the measurement time at the latest, so it
    // gets quick mode's short measurement time too.
    let quick = quick_mode() || args.iter().any(|a| a == "--quick");
    let w = workers();
    let mut c = criterion(quick).configure_from_args();

    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list") {
        eprintln!(
            "benches: W = {w} workers ({} cores), quick mode {}",
            benches::workers::default_workers(),
            if quick { "on" } else { "off" }
        );
        meta::write_json(meta::RUN_FILE, &meta::run_facts(w, quick));
    }

    spawn_many_local(&mut c, w);
    spawn_many_remote(&mut c, w);
    yield_many(&mut c, w);
    ping_pong(&mut c, w);
    chained_spawn(&mut c, w);
    channels_ring(&mut c, w);
    spawn_one_latency(&mut c, w);
    snapshot(&mut c, w);
    trace(&mut c, w);
    spawn_complete(&mut c, w);
    sync_mutex(&mut c, w);
    sync_semaphore(&mut c, w);
    sync_mpsc(&mut c, w);
    sync_oneshot(&mut c, w);
    time_sleep(&mut c, w);

    c.final_summary();
}

/// The suite's defaults; command-line flags given to criterion override them.
fn criterion(quick: bool) -> Criterion {
    let c = Criterion::default().without_plots();
    if quick {
        c.sample_size(10)
            .warm_up_time(Duration::from_millis(250))
            .measurement_time(Duration::from_millis(750))
    } else {
        c.sample_size(30)
            .warm_up_time(Duration::from_millis(1500))
            .measurement_time(Duration::from_secs(4))
    }
}

/// A group with the suite's settings: flat sampling (every sample the same iteration count),
/// which keeps the multi-millisecond workloads within their time budget.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// A group of one workload timed with `iter`, the runtime built on first use.
fn simple(c: &mut Criterion, w: usize, name: &str, elements: usize, run: Workload) {
    let mut g = group(c, name);
    g.throughput(Throughput::Elements(elements as u64));
    for_each_runtime!(R => {
        let mut rt: Option<R> = None;
        g.bench_function(R::NAME, |b| {
            let rt = rt.get_or_insert_with(|| R::new(w));
            b.iter(|| run.run(rt));
        });
    });
    g.finish();
}

/// The workloads [`simple`] times, as data, since a generic function cannot be passed around
/// uninstantiated.
#[derive(Clone, Copy)]
enum Workload {
    SpawnManyLocal,
    YieldMany,
    PingPong,
    ChainedSpawn,
    ChannelsRing,
    SpawnComplete,
}

impl Workload {
    fn run<R: Rt>(self, rt: &R) {
        match self {
            Workload::SpawnManyLocal => wl::spawn_many_local(rt, wl::SPAWN_MANY_LOCAL),
            Workload::YieldMany => wl::yield_many(rt, wl::YIELD_TASKS, wl::YIELDS_PER_TASK),
            Workload::PingPong => wl::ping_pong(rt, wl::PING_PONG_PAIRS),
            Workload::ChainedSpawn => wl::chained_spawn(rt, wl::CHAIN_DEPTH),
            Workload::ChannelsRing => wl::channels_ring(rt, wl::RING_TASKS, wl::RING_LAPS),
            Workload::SpawnComplete => wl::spawn_complete(rt, wl::SPAWN_COMPLETE),
        }
    }
}

fn spawn_many_local(c: &mut Criterion, w: usize) {
    simple(
        c,
        w,
        "spawn_many_local",
        wl::SPAWN_MANY_LOCAL,
        Workload::SpawnManyLocal,
    );
}

fn spawn_many_remote(c: &mut Criterion, w: usize) {
    let mut g = group(c, "spawn_many_remote");
    g.throughput(Throughput::Elements(wl::SPAWN_MANY_REMOTE as u64));
    for_each_runtime!(R => {
        let mut rt: Option<R> = None;
        for threads in wl::REMOTE_THREADS {
            let id = BenchmarkId::new(R::NAME, format!("{threads}_threads"));
            g.bench_function(id, |b| {
                let rt = rt.get_or_insert_with(|| R::new(w));
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| wl::spawn_many_remote(rt, threads, wl::SPAWN_MANY_REMOTE))
                        .sum()
                });
            });
        }
    });
    g.finish();
}

fn yield_many(c: &mut Criterion, w: usize) {
    let yields = wl::YIELD_TASKS * wl::YIELDS_PER_TASK;
    simple(c, w, "yield_many", yields, Workload::YieldMany);
}

fn ping_pong(c: &mut Criterion, w: usize) {
    simple(c, w, "ping_pong", wl::PING_PONG_PAIRS, Workload::PingPong);
}

fn chained_spawn(c: &mut Criterion, w: usize) {
    simple(
        c,
        w,
        "chained_spawn",
        wl::CHAIN_DEPTH,
        Workload::ChainedSpawn,
    );
}

fn channels_ring(c: &mut Criterion, w: usize) {
    let messages = wl::RING_TASKS * wl::RING_LAPS;
    simple(c, w, "channels_ring", messages, Workload::ChannelsRing);
}

fn spawn_one_latency(c: &mut Criterion, w: usize) {
    let mut g = group(c, "spawn_one_latency");
    g.throughput(Throughput::Elements(1));
    for_each_runtime!(R => {
        let mut rt: Option<R> = None;
        g.bench_function(BenchmarkId::new(R::NAME, "idle"), |b| {
            let rt = rt.get_or_insert_with(|| R::new(w));
            b.iter(|| wl::spawn_one(rt));
        });
        let mut load: Option<BusyLoad<R>> = None;
        g.bench_function(BenchmarkId::new(R::NAME, "busy"), |b| {
            let rt = rt.get_or_insert_with(|| R::new(w));
            load.get_or_insert_with(|| BusyLoad::start(rt, 2 * w, wl::BUSY_STALL));
            b.iter(|| wl::spawn_one(rt));
        });
        if let (Some(rt), Some(load)) = (&rt, load) {
            load.stop(rt);
        }
    });
    g.finish();
}

/// Workload 8: Snapshot and text render of N idle tasks (executor only).
fn snapshot(c: &mut Criterion, w: usize) {
    snapshot_group(c, w, "snapshot", &executor::SnapshotOptions::new());
}

/// Await traces: a snapshot that trace-polls each of N idle tasks, resolves the stacks, and
/// renders the text (executor only). The cost per task of what a fatal dump adds by default.
fn trace(c: &mut Criterion, w: usize) {
    let traced = executor::SnapshotOptions::new().await_traces(true);
    snapshot_group(c, w, "trace", &traced);
}

/// A live snapshot taken with `options` and rendered, with 10,000 and 100,000 idle tasks.
fn snapshot_group(c: &mut Criterion, w: usize, name: &str, options: &executor::SnapshotOptions) {
    let mut g = group(c, name);
    let mut rt: Option<ExecutorRt> = None;
    for tasks in [10_000, 100_000] {
        g.throughput(Throughput::Elements(tasks as u64));
        let mut idle: Option<IdleTasks<ExecutorRt>> = None;
        g.bench_function(BenchmarkId::new(ExecutorRt::NAME, tasks), |b| {
            let rt = rt.get_or_insert_with(|| ExecutorRt::new(w));
            idle.get_or_insert_with(|| {
                let mut idle = IdleTasks::new(tasks);
                idle.spawn_all(rt);
                let seen = rt.runtime().handle().snapshot().tasks.len();
                assert!(
                    seen >= tasks,
                    "the snapshot shows {seen} of {tasks} idle tasks"
                );
                idle
            });
            let text_options = TextOptions::default();
            b.iter(|| {
                let snapshot = rt.runtime().handle().snapshot_with(options);
                black_box(text(&snapshot, &text_options).len())
            });
        });
        if let (Some(rt), Some(idle)) = (&rt, idle) {
            idle.finish(rt);
        }
    }
    g.finish();
}

fn spawn_complete(c: &mut Criterion, w: usize) {
    simple(
        c,
        w,
        "spawn_complete",
        wl::SPAWN_COMPLETE,
        Workload::SpawnComplete,
    );
}

// ---------------------------------------------------------------------------------------------
// Synchronization primitives, all on executor's runtime: the function id is the primitive's
// crate (`src/primitives.rs`), the parameter the variant.

/// One primitive's benchmark: `$group.bench_function("<NAME>/<variant>")` on a runtime built
/// once for the group.
fn primitive(
    g: &mut BenchmarkGroup<'_, WallTime>,
    rt: &mut Option<ExecutorRt>,
    w: usize,
    name: &str,
    variant: &str,
    run: impl Fn(&ExecutorRt),
) {
    g.bench_function(BenchmarkId::new(name, variant), |b| {
        let rt = rt.get_or_insert_with(|| ExecutorRt::new(w));
        b.iter(|| run(rt));
    });
}

fn sync_mutex(c: &mut Criterion, w: usize) {
    fn both<M: BenchMutex>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        rt: &mut Option<ExecutorRt>,
        w: usize,
    ) {
        primitive(g, rt, w, M::NAME, "uncontended", |rt| {
            prim::mutex::<_, M>(rt, false)
        });
        primitive(g, rt, w, M::NAME, "contended", |rt| {
            prim::mutex::<_, M>(rt, true)
        });
    }
    let mut g = group(c, "sync_mutex");
    g.throughput(Throughput::Elements(prim::LOCK_OPS as u64));
    let mut rt = None;
    both::<executor::sync::Mutex<u64>>(&mut g, &mut rt, w);
    both::<tokio::sync::Mutex<u64>>(&mut g, &mut rt, w);
    both::<async_lock::Mutex<u64>>(&mut g, &mut rt, w);
    g.finish();
}

fn sync_semaphore(c: &mut Criterion, w: usize) {
    fn both<S: BenchSemaphore>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        rt: &mut Option<ExecutorRt>,
        w: usize,
    ) {
        primitive(g, rt, w, S::NAME, "uncontended", |rt| {
            prim::semaphore::<_, S>(rt, false)
        });
        primitive(g, rt, w, S::NAME, "contended", |rt| {
            prim::semaphore::<_, S>(rt, true)
        });
    }
    let mut g = group(c, "sync_semaphore");
    g.throughput(Throughput::Elements(prim::LOCK_OPS as u64));
    let mut rt = None;
    both::<executor::sync::Semaphore>(&mut g, &mut rt, w);
    both::<tokio::sync::Semaphore>(&mut g, &mut rt, w);
    both::<async_lock::Semaphore>(&mut g, &mut rt, w);
    g.finish();
}

fn sync_mpsc(c: &mut Criterion, w: usize) {
    fn one<C: BenchMpsc>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        rt: &mut Option<ExecutorRt>,
        w: usize,
    ) {
        primitive(g, rt, w, C::NAME, "bounded", prim::mpsc::<_, C>);
    }
    let mut g = group(c, "sync_mpsc");
    g.throughput(Throughput::Elements(prim::MESSAGES as u64));
    let mut rt = None;
    one::<prim::ExecutorMpsc>(&mut g, &mut rt, w);
    one::<prim::TokioMpsc>(&mut g, &mut rt, w);
    one::<prim::AsyncChannelMpsc>(&mut g, &mut rt, w);
    g.finish();
}

fn sync_oneshot(c: &mut Criterion, w: usize) {
    fn one<O: BenchOneshot>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        rt: &mut Option<ExecutorRt>,
        w: usize,
    ) {
        primitive(g, rt, w, O::NAME, "round_trip", prim::oneshot::<_, O>);
    }
    let mut g = group(c, "sync_oneshot");
    g.throughput(Throughput::Elements(prim::ROUND_TRIPS as u64));
    let mut rt = None;
    one::<prim::ExecutorOneshot>(&mut g, &mut rt, w);
    one::<prim::TokioOneshot>(&mut g, &mut rt, w);
    one::<prim::AsyncChannelOneshot>(&mut g, &mut rt, w);
    g.finish();
}

fn time_sleep(c: &mut Criterion, w: usize) {
    fn both<S: BenchSleep>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        rt: &mut Option<ExecutorRt>,
        w: usize,
    ) {
        g.throughput(Throughput::Elements(prim::SLEEPS_ARMED as u64));
        primitive(g, rt, w, S::NAME, "arm", prim::sleep_arm::<_, S>);
        g.throughput(Throughput::Elements(
            (prim::SLEEPERS * prim::SLEEPS_FIRED) as u64,
        ));
        primitive(g, rt, w, S::NAME, "fire", prim::sleep_fire::<_, S>);
    }
    let mut g = group(c, "time_sleep");
    let mut rt = None;
    both::<prim::ExecutorSleep>(&mut g, &mut rt, w);
    both::<prim::TokioSleep>(&mut g, &mut rt, w);
    both::<prim::AsyncIoSleep>(&mut g, &mut rt, w);
    g.finish();
}
