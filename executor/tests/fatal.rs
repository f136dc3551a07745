//! The fatal path end to end: each test runs a scenario in a child copy of this binary and
//! checks its stderr and exit status, the way Go tests its runtime's tracebacks.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::child::{self, Finished, SCENARIO_VAR};
use executor::{task, FreezePolicy, Runtime, TaskPanic};

// ---------------------------------------------------------------------------------------
// Scenarios (run in the child).

/// Runs the scenario named by the environment; a no-op in the parent's test run.
#[test]
fn scenario_runner() {
    let Ok(name) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    match name.as_str() {
        "freeze_idle" => freeze_idle(FreezePolicy::Freeze),
        "nofreeze_idle" => freeze_idle(FreezePolicy::NoFreeze),
        "stuck" => stuck_task(FreezePolicy::Freeze),
        "nofreeze_busy" => stuck_task(FreezePolicy::NoFreeze),
        "task_panic" => task_panic(),
        "main_panic" => main_panic(),
        "sigquit" => sigquit(),
        "plain_thread" => plain_thread(),
        "fatal_during_fatal" => fatal_during_fatal(),
        "racing_fatals" => racing_fatals(),
        "main_returns_during_dump" => main_returns_during_dump(),
        "no_resurrection_freeze" => no_resurrection(FreezePolicy::Freeze),
        "no_resurrection_nofreeze" => no_resurrection(FreezePolicy::NoFreeze),
        "print_then_main_panic" => print_then_main_panic(),
        "task_panic_propagates" => {
            task_panic_propagates();
            return;
        }
        other => panic!("unknown scenario {other:?}"),
    }
    // This one returns on purpose: the harness then exits with 0 unless the runtime holds
    // the main thread while the dump is written.
    if name != "main_returns_during_dump" {
        panic!("scenario {name} returned instead of dying");
    }
}

fn runtime(policy: FreezePolicy) -> Runtime {
    Runtime::builder()
        .worker_threads(2)
        .freeze_policy(policy)
        .build()
        .unwrap()
}

/// Named tasks idle on a channel and on a timer; one task raises the fatal error.
fn freeze_idle(policy: FreezePolicy) {
    let rt = runtime(policy);
    rt.block_on(async {
        let (_tx, rx) = async_channel::bounded::<()>(1);
        for i in 0..3 {
            let rx = rx.clone();
            task::Builder::new()
                .name(format!("waiter-{i}"))
                .spawn(async move { rx.recv().await });
        }
        task::Builder::new().name("sleeper").spawn(async {
            async_io::Timer::after(Duration::from_secs(3600)).await;
        });
        let raiser = task::Builder::new().name("raiser").spawn(async {
            async_io::Timer::after(Duration::from_millis(50)).await;
            executor::fatal("boom with idle tasks");
        });
        let _ = raiser.await;
    });
}

/// One task spins in a poll that never returns; another raises the fatal error.
fn stuck_task(policy: FreezePolicy) {
    let rt = runtime(policy);
    rt.block_on(async {
        let started = Arc::new(AtomicBool::new(false));
        let s = started.clone();
        task::Builder::new().name("cpu-spin").spawn(async move {
            s.store(true, Ordering::SeqCst);
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(60) {
                std::hint::spin_loop();
            }
        });
        for i in 0..20 {
            task::Builder::new()
                .name(format!("yielder-{i}"))
                .spawn(async {
                    loop {
                        executor::yield_now().await;
                    }
                });
        }
        while !started.load(Ordering::SeqCst) {
            async_io::Timer::after(Duration::from_millis(1)).await;
        }
        executor::fatal("boom with a stuck task");
    });
}

fn task_panic() {
    let rt = Runtime::builder()
        .worker_threads(2)
        .task_panic(TaskPanic::Fatal)
        .build()
        .unwrap();
    rt.block_on(async {
        task::Builder::new()
            .name("bystander")
            .spawn(std::future::pending::<()>());
        let doomed = task::Builder::new().name("doomed").spawn(async {
            // Long enough for the bystander's first poll: the check is that it shows idle.
            async_io::Timer::after(Duration::from_millis(20)).await;
            panic!("kaboom in a task");
        });
        let _ = doomed.await;
    });
}

fn main_panic() {
    let builder = Runtime::builder().worker_threads(2);
    executor::__private::run_main(builder, async {
        task::Builder::new()
            .name("bystander")
            .spawn(std::future::pending::<()>());
        async_io::Timer::after(Duration::from_millis(20)).await;
        panic!("main exploded");
    });
}

/// `print!` without a newline, then a panic in main: what was printed must not be lost.
fn print_then_main_panic() {
    let builder = Runtime::builder().worker_threads(1);
    executor::__private::run_main(builder, async {
        print!("partial line, never flushed by the program");
        panic!("main exploded after printing");
    });
}

/// A task panics under the default policy: std's message, the task named, the JoinError.
fn task_panic_propagates() {
    let rt = runtime(FreezePolicy::Freeze);
    let h = task::Builder::new()
        .name("parser")
        .spawn_on(async { panic!("bad input") }, rt.handle());
    let err = rt.block_on(h).unwrap_err();
    println!("join error: {err}");
}

fn sigquit() {
    let rt = runtime(FreezePolicy::Freeze);
    rt.block_on(async {
        task::Builder::new()
            .name("listener")
            .spawn(std::future::pending::<()>());
        async_io::Timer::after(Duration::from_millis(20)).await;
        println!("ready");
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        std::future::pending::<()>().await;
    });
}

fn plain_thread() {
    let rt = runtime(FreezePolicy::Freeze);
    let _idle = rt.spawn(async { std::future::pending::<()>().await });
    let _named = rt.handle().clone();
    rt.block_on(async {
        let (started, wait) = futures::channel::oneshot::channel::<()>();
        task::Builder::new().name("idle-one").spawn(async move {
            let _ = started.send(());
            std::future::pending::<()>().await
        });
        // Polled once before the fatal error, so it is idle, not still scheduled.
        let _ = wait.await;
    });
    std::thread::spawn(|| executor::fatal("raised on a plain thread"))
        .join()
        .unwrap();
}

/// The main thread leaves `block_on` and drops the runtime while another thread's fatal
/// dump is being written: the process must still end with the whole dump and status 2 (I6).
fn main_returns_during_dump() {
    let rt = runtime(FreezePolicy::NoFreeze);
    for i in 0..200 {
        drop(
            task::Builder::new()
                .name(format!("idle-{i}"))
                .spawn_on(std::future::pending::<()>(), rt.handle()),
        );
    }
    std::thread::spawn(|| executor::fatal("raised while main returns"));
    rt.block_on(async {
        while !executor::freezing() {
            async_io::Timer::after(Duration::from_millis(1)).await;
        }
    });
    // A runtime that is never dropped (a static one, say): nothing but `block_on` itself can
    // hold the thread. Returning from here would let the test harness exit with status 0.
    std::mem::forget(rt);
}

struct PanickingMessage;

impl std::fmt::Display for PanickingMessage {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("formatting the fatal message failed");
    }
}

fn fatal_during_fatal() {
    let rt = runtime(FreezePolicy::Freeze);
    rt.block_on(async { executor::fatal(PanickingMessage) });
}

fn racing_fatals() {
    let rt = runtime(FreezePolicy::Freeze);
    let _keep = rt.spawn(std::future::pending::<()>());
    let go = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let go = go.clone();
            std::thread::spawn(move || {
                while !go.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
                executor::fatal(format!("racer {i}"));
            })
        })
        .collect();
    go.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
}

/// A future that counts its polls and says when it is inside one.
struct Counted {
    polls: Arc<AtomicU64>,
    in_poll: Arc<AtomicBool>,
    /// Stay inside the first poll this long (a task that hogs its worker).
    hog: Option<Duration>,
}

impl Future for Counted {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.in_poll.store(true, Ordering::SeqCst);
        self.polls.fetch_add(1, Ordering::SeqCst);
        if let Some(hog) = self.hog {
            let start = Instant::now();
            while start.elapsed() < hog {
                std::hint::spin_loop();
            }
        }
        cx.waker().wake_by_ref();
        self.in_poll.store(false, Ordering::SeqCst);
        Poll::Pending
    }
}

/// I1: after the flag is set, no counter of a task that is not inside a poll moves. The dump
/// (500 tasks) is larger than a pipe buffer, so the fatal thread blocks writing it until the
/// parent has read the observer's verdict from stdout.
fn no_resurrection(policy: FreezePolicy) {
    let rt = runtime(policy);
    let mut tasks = Vec::new();
    for i in 0..500 {
        let polls = Arc::new(AtomicU64::new(0));
        let in_poll = Arc::new(AtomicBool::new(false));
        let hog = (i == 0).then_some(Duration::from_secs(30));
        tasks.push((polls.clone(), in_poll.clone()));
        drop(rt.spawn(Counted {
            polls,
            in_poll,
            hog,
        }));
    }
    std::thread::spawn(move || {
        while !executor::freezing() {
            std::thread::sleep(Duration::from_micros(100));
        }
        // Polls that began before the flag end within microseconds; give them room.
        std::thread::sleep(Duration::from_millis(30));
        let read = || -> Vec<(u64, bool)> {
            tasks
                .iter()
                .map(|(p, r)| (p.load(Ordering::SeqCst), r.load(Ordering::SeqCst)))
                .collect()
        };
        let before = read();
        std::thread::sleep(Duration::from_millis(150));
        let after = read();
        let mut moved = 0;
        let mut running = 0;
        for ((p0, r0), (p1, r1)) in before.iter().zip(&after) {
            if *r0 || *r1 {
                running += 1;
            } else if p0 != p1 {
                moved += 1;
            }
        }
        let total: u64 = after.iter().map(|(p, _)| p).sum();
        println!(
            "I1 tasks={} running={running} moved={moved} polls={total}",
            after.len()
        );
        use std::io::Write;
        std::io::stdout().flush().unwrap();
    });
    std::thread::sleep(Duration::from_millis(100));
    executor::fatal("checking I1");
}

// ---------------------------------------------------------------------------------------
// Checks (run in the parent).

fn assert_dump_exit(run: &Finished) {
    assert_eq!(run.code(), Some(2), "exit status; stderr:\n{}", run.stderr);
}

/// The table rows: lines between the `ID  STATE` header (right-aligned, so maybe indented)
/// and the first blank line.
fn table_rows(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("ID "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

fn row<'a>(stderr: &'a str, name: &str) -> &'a str {
    let quoted = format!("\"{name}\"");
    table_rows(stderr)
        .into_iter()
        .find(|r| r.contains(&quoted))
        .unwrap_or_else(|| panic!("no row for {name}; stderr:\n{stderr}"))
}

#[test]
fn freeze_with_idle_tasks_shows_all_and_reads_every_task() {
    let run = child::run("freeze_idle", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    assert!(
        err.starts_with("fatal error: boom with idle tasks\n"),
        "{err}"
    );
    assert!(err.contains("freeze policy: freeze\n"));
    assert!(err.contains("fatal thread backtrace:"));
    // The backtrace starts at the caller of `fatal`, not in the machinery.
    assert!(err.contains("  0: fatal::freeze_idle"), "{err}");
    // The three waiters are alike: one row, with their count.
    let waiters = row(err, "waiter-#");
    assert!(
        waiters.contains("(×3)") && waiters.contains(" idle "),
        "{waiters}"
    );
    assert!(row(err, "sleeper").contains(" idle "));
    // Nothing was skipped: the only running task is the caller, whose stack is the
    // backtrace above.
    assert!(!err.contains("skipped"), "{err}");
    assert!(row(err, "raiser").contains(" running "));
    // The raiser's block comes first.
    let first_block = err.lines().find(|l| l.starts_with("task ")).unwrap();
    assert!(first_block.contains("\"raiser\"") && first_block.contains("fatal error here"));
    // Both workers but the raiser's stopped.
    assert_eq!(run.count(": stopped,"), 1, "{err}");
    assert!(
        err.trim_end().lines().last().unwrap().contains("6 tasks"),
        "{err}"
    );
}

#[test]
fn freeze_leaves_a_never_yielding_task_running_skipped_within_bounded_time() {
    let run = child::run("stuck", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    assert!(row(err, "cpu-spin").contains("running, skipped"), "{err}");
    // The poll in progress counts: one poll, and its time so far is busy time.
    let block = err
        .split("\n\n")
        .find(|b| b.starts_with("task ") && b.contains("\"cpu-spin\""))
        .expect("the spinner's block");
    assert!(block.contains(", poll 1\n"), "{block}");
    assert!(block.contains("    polls 1, busy "), "{block}");
    assert!(!block.contains("busy 0ns"), "{block}");
    // Yielders were stopped at a scheduling point: none is running.
    for r in table_rows(err).iter().filter(|r| r.contains("yielder-")) {
        assert!(!r.contains("running"), "{r}");
    }
    // The freeze wait is bounded (100 ms by default); generous margin for slow machines.
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[test]
fn no_freeze_reports_busy_tasks_skipped_and_parks_other_workers() {
    let run = child::run("nofreeze_busy", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    assert!(err.contains("freeze policy: no_freeze\n"), "{err}");
    assert!(row(err, "cpu-spin").contains("running, skipped"), "{err}");
}

#[test]
fn environment_forces_no_freeze() {
    let run = child::run("freeze_idle", &[("EXECUTOR_DEBUG", "nofreeze=1")]);
    assert_dump_exit(&run);
    assert!(
        run.stderr.contains("freeze policy: no_freeze\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn task_panic_under_fatal_policy_dumps_the_panicking_task_first() {
    let run = child::run("task_panic", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    let first = err.lines().next().unwrap();
    assert!(first.starts_with("fatal error: panic in task "), "{first}");
    assert!(first.ends_with(": kaboom in a task"), "{first}");
    assert!(err.contains("  0: fatal::task_panic"), "{err}");
    let first_block = err.lines().find(|l| l.starts_with("task ")).unwrap();
    assert!(
        first_block.starts_with("task 3 \"doomed\" [panicked] (fatal error here):"),
        "{first_block}"
    );
    // The same state everywhere: table, block, workers section.
    assert!(row(err, "doomed").contains(" panicked "), "{err}");
    assert!(err.contains(": panicked in task 3,"), "{err}");
    let panic_line = err
        .lines()
        .find(|l| l.starts_with("    panicked at "))
        .expect("the panic's line in the block");
    assert!(
        panic_line.starts_with("    panicked at executor/tests/fatal.rs:")
            && panic_line.ends_with(": kaboom in a task"),
        "{panic_line}"
    );
    assert!(row(err, "bystander").contains(" idle "));
    // The default panic message is not printed on top of the dump.
    assert!(!err.contains("thread '"), "{err}");
}

#[test]
fn panic_in_main_is_fatal() {
    let run = child::run("main_panic", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    assert!(
        err.starts_with("fatal error: panic in main: main exploded"),
        "{err}"
    );
    let first_block = err.lines().find(|l| l.starts_with("task ")).unwrap();
    assert!(first_block.contains("\"main\""), "{first_block}");
    assert!(row(err, "bystander").contains(" idle "));
}

#[test]
fn output_printed_before_a_fatal_panic_in_main_is_flushed() {
    let run = child::run("print_then_main_panic", &[]);
    assert_dump_exit(&run);
    assert!(
        run.stdout
            .contains("partial line, never flushed by the program"),
        "stdout: {:?}",
        run.stdout
    );
    // The main task is shown panicked, with the panic's location in this file.
    assert!(
        run.stderr
            .contains("\"main\" [panicked] (fatal error here):"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("    panicked at executor/tests/fatal.rs:"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_task_panic_names_the_task_in_the_message_and_the_join_error() {
    let run = child::run("task_panic_propagates", &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let named = run
        .stderr
        .lines()
        .position(|l| l.starts_with("executor: panic in task ") && l.contains("\"parser\""));
    let std_line = run.stderr.lines().position(|l| l.contains("panicked at"));
    assert!(named.is_some() && named < std_line, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("join error: task 1 \"parser\" panicked: bad input"),
        "{}",
        run.stdout
    );
}

#[test]
fn sigquit_dumps_every_task_and_exits() {
    let (_, run) = common::dump::sigquit(child::command("sigquit"));
    assert_dump_exit(&run);
    assert!(run.stderr.starts_with("SIGQUIT received"), "{}", run.stderr);
    assert!(row(&run.stderr, "listener").contains(" idle "));
}

#[test]
fn fatal_from_a_plain_thread() {
    let run = child::run("plain_thread", &[]);
    assert_dump_exit(&run);
    let err = &run.stderr;
    assert!(
        err.starts_with("fatal error: raised on a plain thread\n"),
        "{err}"
    );
    assert!(!err.lines().next().unwrap().contains("in task"));
    assert!(row(err, "idle-one").contains(" idle "));
    assert_eq!(
        table_rows(err)
            .iter()
            .filter(|r| r.contains("running"))
            .count(),
        0
    );
}

#[test]
fn fatal_during_fatal_prints_one_line_and_aborts() {
    let run = child::run("fatal_during_fatal", &[]);
    assert_eq!(
        run.signal(),
        Some(6),
        "expected SIGABRT; stderr:\n{}",
        run.stderr
    );
    assert_eq!(run.count("during the fatal dump"), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("ID  STATE"));
}

#[test]
fn racing_fatal_errors_produce_exactly_one_dump() {
    let run = child::run("racing_fatals", &[]);
    assert_dump_exit(&run);
    assert_eq!(run.count("fatal error: racer "), 1, "{}", run.stderr);
    assert_eq!(run.count("ID  STATE"), 1);
}

#[test]
fn leaving_main_during_a_dump_does_not_cut_it_short() {
    let run = child::run("main_returns_during_dump", &[]);
    assert_dump_exit(&run);
    assert!(
        run.stderr.contains("200 tasks \"idle-#\" ["),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .contains("tasks"));
}

#[test]
fn traceback_none_prints_the_header_only() {
    let run = child::run("freeze_idle", &[("EXECUTOR_TRACEBACK", "none")]);
    assert_dump_exit(&run);
    assert!(run.stderr.starts_with("fatal error: boom with idle tasks"));
    assert!(!run.stderr.contains("ID  STATE"));
    assert!(
        !run.stderr.lines().any(|l| l.starts_with("task ")),
        "{}",
        run.stderr
    );
}

#[test]
fn traceback_single_prints_only_the_fatal_task() {
    let run = child::run("freeze_idle", &[("EXECUTOR_TRACEBACK", "single")]);
    assert_dump_exit(&run);
    let blocks: Vec<_> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("task "))
        .collect();
    assert_eq!(blocks.len(), 1, "{}", run.stderr);
    assert!(blocks[0].contains("\"raiser\""));
}

#[test]
fn traceback_crash_aborts_after_the_full_dump() {
    let run = child::run("freeze_idle", &[("EXECUTOR_TRACEBACK", "crash")]);
    assert_eq!(run.signal(), Some(6), "{}", run.stderr);
    assert!(
        run.stderr.contains("3 tasks \"waiter-#\""),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_environment_values_warn_once_and_use_defaults() {
    let run = child::run(
        "freeze_idle",
        &[
            ("EXECUTOR_TRACEBACK", "everything\u{1b}[2J"),
            ("EXECUTOR_DEBUG", "nofreeze=maybe,colour=1"),
        ],
    );
    assert_dump_exit(&run);
    assert_eq!(
        run.count("executor: ignoring EXECUTOR_TRACEBACK="),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.count("executor: ignoring EXECUTOR_DEBUG entry"),
        2,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}'));
    assert!(run.stderr.contains("freeze policy: freeze\n"));
    assert!(
        run.stderr.contains("3 tasks \"waiter-#\""),
        "{}",
        run.stderr
    );
}

#[test]
fn dump_path_writes_text_and_json_files() {
    let dir = std::env::temp_dir().join(format!("executor-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.txt");
    let run = child::run(
        "freeze_idle",
        &[("EXECUTOR_DUMP_PATH", path.to_str().unwrap())],
    );
    assert_dump_exit(&run);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("fatal error: boom with idle tasks"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dump.txt.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["tasks"].as_array().unwrap().len(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn check_no_resurrection(scenario: &str) {
    let mut child = child::command(scenario).spawn().unwrap();
    let verdict = child::wait_for_stdout(&mut child, "I1 ", Duration::from_secs(60));
    let run = child::wait(child, Duration::from_secs(60));
    let verdict = verdict.unwrap_or_else(|| panic!("no verdict; stderr:\n{}", run.stderr));
    assert_dump_exit(&run);
    // "I1 tasks=500 running=R moved=M polls=P"
    let field = |k: &str| -> u64 {
        verdict
            .split_whitespace()
            .find_map(|f| f.strip_prefix(k))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(field("moved="), 0, "{verdict}");
    assert!(field("running=") <= 2, "{verdict}");
    // The tasks really were hot before the flag: the check is not vacuous.
    assert!(field("polls=") > 500, "{verdict}");
}

#[test]
fn no_task_resumes_after_the_flag_under_freeze() {
    check_no_resurrection("no_resurrection_freeze");
}

#[test]
fn no_task_resumes_after_the_flag_under_no_freeze() {
    check_no_resurrection("no_resurrection_nofreeze");
}
