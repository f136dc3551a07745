//! Await traces in real dumps: each scenario runs in a child copy of this binary, prints where
//! its tasks are suspended (`line!()` at each `.await`), and dies; the parent checks that the
//! dump names exactly those lines.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::child::{self, Finished, SCENARIO_VAR};
use common::dump::{block, mark, marked};
use executor::{task, FreezePolicy, Runtime, TaskPanic};
use futures::channel::oneshot;

/// Runs the scenario named by the environment; a no-op in the parent's test run.
#[test]
fn scenario_runner() {
    let Ok(name) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    let policy = match std::env::var("TRACE_POLICY").as_deref() {
        Ok("no_freeze") => FreezePolicy::NoFreeze,
        _ => FreezePolicy::Freeze,
    };
    let rt = Runtime::builder()
        .worker_threads(2)
        .freeze_policy(policy)
        .task_panic(TaskPanic::Fatal)
        .build()
        .unwrap();
    rt.block_on(async {
        match name.as_str() {
            "oneshot_deadlock" => oneshot_deadlock().await,
            "lock_across_await" => lock_across_await().await,
            "no_waker" => no_waker().await,
            "ready_not_woken" => ready_not_woken().await,
            "join_cycle" => join_cycle().await,
            "panics_when_polled_again" => panics_when_polled_again().await,
            "blocked_on_std_mutex" => blocked_on_std_mutex().await,
            "many_idle" => many_idle().await,
            "main_woken_at_the_fatal_error" => main_woken_at_the_fatal_error().await,
            other => panic!("unknown scenario {other:?}"),
        }
        // Long enough for every task's first poll; then the dump.
        async_io::Timer::after(Duration::from_millis(100)).await;
        executor::fatal("scenario done");
    });
}

// --- two tasks deadlocked on oneshots, two async fns deep --------------------------------

async fn settle(rx: oneshot::Receiver<u64>, tx: oneshot::Sender<u64>, who: &str) {
    mark(&format!("settle_{who}"), line!() + 1);
    let amount = rx.await.unwrap_or(0);
    let _ = tx.send(amount);
}

async fn run_ledger(rx: oneshot::Receiver<u64>, tx: oneshot::Sender<u64>, who: &str) {
    mark(&format!("run_{who}"), line!() + 1);
    settle(rx, tx, who).await;
}

async fn oneshot_deadlock() {
    let (to_a, from_b) = oneshot::channel::<u64>();
    let (to_b, from_a) = oneshot::channel::<u64>();
    task::Builder::new()
        .name("ledger-a")
        .spawn(run_ledger(from_b, to_b, "a"));
    task::Builder::new()
        .name("ledger-b")
        .spawn(run_ledger(from_a, to_a, "b"));
}

// --- a lock held across an await, with waiters ---------------------------------------------

async fn hold_and_wait(lock: Arc<futures::lock::Mutex<u32>>, never: oneshot::Receiver<()>) {
    let _guard = lock.lock().await;
    mark("holder", line!() + 1);
    let _ = never.await;
}

async fn wait_for_lock(lock: Arc<futures::lock::Mutex<u32>>) {
    mark("waiter", line!() + 1);
    let mut n = lock.lock().await;
    *n += 1;
}

async fn lock_across_await() {
    let lock = Arc::new(futures::lock::Mutex::new(0));
    let (keep, never) = oneshot::channel::<()>();
    std::mem::forget(keep);
    task::Builder::new()
        .name("holder")
        .spawn(hold_and_wait(lock.clone(), never));
    async_io::Timer::after(Duration::from_millis(20)).await;
    for i in 0..20 {
        task::Builder::new()
            .name(format!("waiter-{i}"))
            .spawn(wait_for_lock(lock.clone()));
    }
}

// --- a hand-written future that returns Pending without keeping the waker -----------------

struct Forgetful;

impl Future for Forgetful {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

async fn no_waker() {
    task::Builder::new().name("forgetful").spawn(async {
        mark("forgetful", line!() + 1);
        Forgetful.await;
    });
}

// --- a leaf that is ready although nobody woke the task -----------------------------------

/// Ready once the flag is set; never wakes anyone.
struct Flag(Arc<AtomicBool>);

impl Future for Flag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            // Keeps a waker (so it is not a lost wakeup) but the setter never uses it.
            std::mem::forget(cx.waker().clone());
            Poll::Pending
        }
    }
}

async fn ready_not_woken() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    task::Builder::new().name("flag-waiter").spawn(async move {
        mark("flag", line!() + 1);
        Flag(f).await;
    });
    async_io::Timer::after(Duration::from_millis(20)).await;
    flag.store(true, Ordering::SeqCst);
}

// --- tasks awaiting each other's JoinHandle ------------------------------------------------

async fn join_cycle() {
    let (give_a, get_a) = oneshot::channel::<executor::JoinHandle<()>>();
    let (give_b, get_b) = oneshot::channel::<executor::JoinHandle<()>>();
    let a = task::Builder::new().name("joins-b").spawn(async move {
        let b = get_b.await.unwrap();
        mark("joins_b", line!() + 1);
        let _ = b.await;
    });
    let b = task::Builder::new().name("joins-a").spawn(async move {
        let a = get_a.await.unwrap();
        mark("joins_a", line!() + 1);
        let _ = a.await;
    });
    let _ = give_a.send(a);
    let _ = give_b.send(b);
}

// --- a future that panics when polled spuriously -------------------------------------------

struct OncePending(bool);

impl Future for OncePending {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        assert!(!self.0, "polled again without a wake");
        self.0 = true;
        std::mem::forget(cx.waker().clone());
        Poll::Pending
    }
}

async fn panics_when_polled_again() {
    task::Builder::new()
        .name("touchy")
        .spawn(OncePending(false));
    let (keep, rx) = oneshot::channel::<()>();
    std::mem::forget(keep);
    task::Builder::new().name("bystander").spawn(rx);
}

// --- a leaf blocked on a std mutex that a stuck thread holds --------------------------------

struct LocksEachPoll(Arc<std::sync::Mutex<()>>);

impl Future for LocksEachPoll {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        drop(self.0.lock().unwrap());
        std::mem::forget(cx.waker().clone());
        Poll::Pending
    }
}

async fn blocked_on_std_mutex() {
    let m = Arc::new(std::sync::Mutex::new(()));
    task::Builder::new()
        .name("locker")
        .spawn(LocksEachPoll(m.clone()));
    for i in 0..3 {
        let (keep, rx) = oneshot::channel::<()>();
        std::mem::forget(keep);
        task::Builder::new()
            .name(format!("after-locker-{i}"))
            .spawn(rx);
    }
    async_io::Timer::after(Duration::from_millis(20)).await;
    std::thread::spawn(move || {
        let _held = m.lock().unwrap();
        std::thread::sleep(Duration::from_secs(3600));
    });
}

// --- many idle tasks ------------------------------------------------------------------------

async fn many_idle() {
    let n: usize = std::env::var("TRACE_TASKS").unwrap().parse().unwrap();
    let (keep, rx) = async_channel::bounded::<()>(1);
    std::mem::forget(keep);
    let polled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for i in 0..n {
        let (rx, polled) = (rx.clone(), polled.clone());
        task::Builder::new()
            .name(format!("conn-{i}"))
            .spawn(async move {
                polled.fetch_add(1, Ordering::SeqCst);
                let _ = rx.recv().await;
            });
    }
    task::Builder::new()
        .name("odd-one")
        .spawn(std::future::pending::<()>());
    // Every task polled once (so idle, not scheduled) before the dump.
    while polled.load(Ordering::SeqCst) < n {
        async_io::Timer::after(Duration::from_millis(10)).await;
    }
}

// --- the block_on future woken just as a task raises the fatal error ----------------------

/// Main is woken once the flag is set, so it stops at its freeze check: its trace can only be
/// taken on its own thread, which must keep answering tracers while it stands there.
async fn main_woken_at_the_fatal_error() {
    let (wake_main, woken) = oneshot::channel::<()>();
    let (never_sent, never) = oneshot::channel::<()>();
    std::mem::forget(never_sent);
    std::thread::spawn(move || {
        while !executor::freezing() {
            std::thread::sleep(Duration::from_micros(50));
        }
        let _ = wake_main.send(());
    });
    task::Builder::new().name("raiser").spawn(async move {
        async_io::Timer::after(Duration::from_millis(20)).await;
        executor::fatal("raised as main wakes");
    });
    // Marked before the awaits: a mark printed by a trace poll would come after stdout's last
    // flush. The wake races the dump's trace poll: a poll that finds `woken` ready stops at the
    // next await, one that comes first stops at this one. Either is main's true position.
    mark("main_after_wake", line!() + 1);
    let _ = woken.await;
    let _ = never.await;
}

// -------------------------------------------------------------------------------------------
// Checks (run in the parent).

fn run(scenario: &str, policy: &str) -> Finished {
    let run = child::run(scenario, &[("TRACE_POLICY", policy)]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    run
}

/// `at executor/tests/traces.rs:LINE:` followed by the function.
fn at(line: u32, function: &str) -> String {
    format!("at executor/tests/traces.rs:{line}:") + &format!("{{col}} in traces::{function}")
}

/// The start of the leaf line for a leaf whose qualified name starts with `qualified`: with
/// line tables only (optimized test builds), inlined leaves have short names, so only the
/// line itself is checked there.
fn waiting_in(qualified: &str) -> String {
    if cfg!(debug_assertions) {
        format!("    waiting in {qualified}")
    } else {
        "    waiting in ".to_owned()
    }
}

/// An `at` line for `line` of this file, in `function` (qualified names need full debug
/// info: optimized test builds have line tables only, and short names for inlined frames).
fn assert_at(block: &str, line: u32, function: &str) {
    let prefix = format!("    at executor/tests/traces.rs:{line}:");
    let suffix = format!(" in traces::{function}");
    let named = |l: &str| l.ends_with(&suffix) || !cfg!(debug_assertions);
    assert!(
        block.lines().any(|l| l.starts_with(&prefix) && named(l)),
        "expected {:?} in\n{block}",
        at(line, function)
    );
}

fn oneshot_deadlock_traces(policy: &str) {
    let run = run("oneshot_deadlock", policy);
    for who in ["a", "b"] {
        let b = block(&run.stderr, &format!("\"ledger-{who}\""));
        assert_at(b, marked(&run.stdout, &format!("run_{who}")), "run_ledger");
        assert_at(b, marked(&run.stdout, &format!("settle_{who}")), "settle");
        // Outermost first: run_ledger's line before settle's, then the leaf.
        let at = |line: u32| format!("at executor/tests/traces.rs:{line}:");
        let run_at = b
            .find(&at(marked(&run.stdout, &format!("run_{who}"))))
            .unwrap();
        let settle_at = b
            .find(&at(marked(&run.stdout, &format!("settle_{who}"))))
            .unwrap();
        let leaf_at = b
            .find(&waiting_in("<futures_channel::oneshot::Receiver<"))
            .unwrap_or_else(|| panic!("no oneshot leaf in\n{b}"));
        assert!(run_at < settle_at && settle_at < leaf_at, "{b}");
        assert!(!b.contains("holds no waker"), "{b}");
    }
}

#[test]
fn tasks_deadlocked_on_oneshots_show_both_awaits_under_freeze() {
    oneshot_deadlock_traces("freeze");
}

#[test]
fn tasks_deadlocked_on_oneshots_show_both_awaits_under_no_freeze() {
    oneshot_deadlock_traces("no_freeze");
}

#[test]
fn the_lock_holder_and_its_waiters_wait_on_different_lines() {
    let run = run("lock_across_await", "freeze");
    let holder = block(&run.stderr, "\"holder\"");
    assert_at(holder, marked(&run.stdout, "holder"), "hold_and_wait");
    let waiters = block(&run.stderr, "20 tasks \"waiter-#\"");
    assert_at(waiters, marked(&run.stdout, "waiter"), "wait_for_lock");
    assert!(
        waiters.contains(&waiting_in("<futures_util::lock::mutex::MutexLockFuture<")),
        "{waiters}"
    );
}

#[test]
fn a_future_that_keeps_no_waker_is_flagged() {
    let run = run("no_waker", "freeze");
    let b = block(&run.stderr, "\"forgetful\"");
    assert!(
        b.contains(
            "    holds no waker: nothing can wake this task (a lost wakeup, or a leaf that \
             keeps a waker from an earlier poll)"
        ),
        "{b}"
    );
}

#[test]
fn a_leaf_ready_without_a_wake_is_flagged() {
    let run = run("ready_not_woken", "freeze");
    let b = block(&run.stderr, "\"flag-waiter\"");
    // A ready leaf takes no waker, so there is no stack to show: the flag is the finding.
    assert!(b.contains("    was ready but never woken"), "{b}");
    assert!(!b.contains("holds no waker"), "{b}");
}

#[test]
fn tasks_joining_each_other_are_reported_as_a_deadlock() {
    let run = run("join_cycle", "freeze");
    let cycle = run
        .stderr
        .lines()
        .find(|l| l.starts_with("deadlock: "))
        .unwrap_or_else(|| panic!("no deadlock line in\n{}", run.stderr));
    let a = block(&run.stderr, "\"joins-b\"");
    let b = block(&run.stderr, "\"joins-a\"");
    let id = |block: &str| block.split_whitespace().nth(1).unwrap().to_owned();
    let (ia, ib) = (id(a), id(b));
    assert!(
        cycle.contains(&format!("task {ia} waits for task {ib} (join)"))
            && cycle.contains(&format!("task {ib} waits for task {ia} (join)")),
        "{cycle}"
    );
    // The cycle comes before the blocks.
    assert!(run.stderr.find("deadlock: ") < run.stderr.find(&format!("task {ia} \"")));
    assert!(a.contains(&format!("    waits for task {ib}\n")), "{a}");
    assert_at(a, marked(&run.stdout, "joins_b"), "join_cycle");
    assert!(
        a.contains(&waiting_in("<executor::task::join::JoinHandle<")),
        "{a}"
    );
}

#[test]
fn a_future_that_panics_on_a_spurious_poll_is_reported_not_fatal() {
    let run = run("panics_when_polled_again", "freeze");
    let b = block(&run.stderr, "\"touchy\"");
    assert!(
        b.contains("    await trace unavailable: trace poll panicked: polled again without a wake"),
        "{b}"
    );
    // One dump, the scenario's own, and the bystander still traced.
    assert_eq!(
        run.stderr.matches("fatal error:").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("thread '"), "{}", run.stderr);
    let bystander = block(&run.stderr, "\"bystander\"");
    assert!(
        bystander.contains(&waiting_in("<futures_channel::oneshot::Receiver<")),
        "{bystander}"
    );
}

#[test]
fn a_trace_blocked_on_a_held_std_mutex_times_out_and_the_dump_goes_on() {
    let run = run("blocked_on_std_mutex", "freeze");
    let b = block(&run.stderr, "\"locker\"");
    assert!(
        b.contains("    await trace unavailable: trace poll timed out after 50.0ms"),
        "{b}"
    );
    // The tasks traced after it still are, by a fresh tracer.
    let after = block(&run.stderr, "\"after-locker-#\"");
    assert!(
        after.contains(&waiting_in("<futures_channel::oneshot::Receiver<")),
        "{after}"
    );
}

#[test]
fn many_identical_idle_tasks_are_grouped_and_the_json_keeps_every_one() {
    let n = if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    };
    let dir = std::env::temp_dir().join(format!("executor-traces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.txt");
    let run = child::run(
        "many_idle",
        &[
            ("TRACE_TASKS", &n.to_string()),
            ("EXECUTOR_DUMP_PATH", path.to_str().unwrap()),
        ],
    );
    assert_eq!(
        run.code(),
        Some(2),
        "{}",
        &run.stderr[..run.stderr.len().min(4000)]
    );
    assert!(
        run.stderr.len() < 64 * 1024,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let count = format!("{n}")
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(",");
    let group = block(&run.stderr, &format!("{count} tasks \"conn-#\""));
    assert!(
        group.contains(&waiting_in("<async_channel::Recv<")),
        "{group}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dump.txt.json")).unwrap()).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    // Every connection, the odd one and main.
    assert_eq!(tasks.len(), n + 2);
    let traced = tasks
        .iter()
        .filter(|t| t["trace"]["kind"] == "captured")
        .count();
    assert_eq!(traced, n + 1, "every idle spawned task traced");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn main_stopped_at_its_freeze_check_still_has_an_await_trace() {
    for policy in ["freeze", "no_freeze"] {
        let run = run("main_woken_at_the_fatal_error", policy);
        assert!(
            run.stderr.contains("raised as main wakes"),
            "{}",
            run.stderr
        );
        let b = block(&run.stderr, "\"block_on\"");
        assert!(!b.contains("did not return"), "{b}");
        let woken_at = marked(&run.stdout, "main_after_wake");
        let never_at = woken_at + 1;
        let line = if b.contains(&format!("traces.rs:{never_at}:")) {
            never_at
        } else {
            woken_at
        };
        assert_at(b, line, "main_woken_at_the_fatal_error");
    }
}

// -------------------------------------------------------------------------------------------
// Live snapshots (in this process).

/// A leaf ready once `ready` is set, whose wake comes later (as a channel publishes its state,
/// then wakes): a trace poll in between finds it ready and runs on into the task.
struct PublishedBeforeWoken {
    ready: Arc<AtomicBool>,
    waker: Arc<std::sync::Mutex<Option<std::task::Waker>>>,
}

impl Future for PublishedBeforeWoken {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.ready.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn a_live_trace_poll_that_runs_into_the_task_runs_it_inside_its_runtime() {
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let ready = Arc::new(AtomicBool::new(false));
    let waker = Arc::new(std::sync::Mutex::new(None));
    let leaf = PublishedBeforeWoken {
        ready: ready.clone(),
        waker: waker.clone(),
    };
    let task = rt.spawn(async move {
        leaf.await;
        // Runtime calls right after the await: on the tracer if the trace poll got here.
        let helper = executor::spawn(async { 7 });
        let _ = executor::Handle::current();
        helper.await.unwrap()
    });
    let id = task.id();
    let idle = || {
        let snap = rt.handle().snapshot();
        snap.tasks
            .iter()
            .any(|t| t.id == id && t.state == executor::introspect::TaskState::Idle)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !idle() {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never went idle"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    ready.store(true, Ordering::SeqCst);
    let snap = rt
        .handle()
        .snapshot_with(&executor::SnapshotOptions::new().await_traces(true));
    assert!(snap.tasks.iter().any(|t| t.id == id));
    if let Some(w) = waker.lock().unwrap().take() {
        w.wake();
    }
    assert_eq!(rt.block_on(task).unwrap(), 7);
}
