//! Native stacks of running tasks and the stall watchdog, end to end: each scenario runs in a
//! child copy of this binary; the parent checks stderr and the exit status.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::child::{self, Finished, SCENARIO_VAR};
use common::dump::{block, mark, marked};
use executor::{task, FreezePolicy, Runtime};

#[test]
fn scenario_runner() {
    let Ok(name) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    match name.as_str() {
        "blocking_sleep" => blocking(policy(), Blocking::Sleep),
        "cpu_loop" => blocking(policy(), Blocking::Spin),
        "signal_blocked" => blocking(policy(), Blocking::SignalBlocked),
        "watchdog" => watchdog(),
        "stall_fatal" => stall_fatal(),
        other => panic!("unknown scenario {other:?}"),
    }
}

fn policy() -> FreezePolicy {
    match std::env::var("STACK_POLICY").as_deref() {
        Ok("no_freeze") => FreezePolicy::NoFreeze,
        _ => FreezePolicy::Freeze,
    }
}

enum Blocking {
    Sleep,
    Spin,
    SignalBlocked,
}

#[inline(never)]
fn compress_in_place(seconds: u64) {
    mark("sleep", line!() + 1);
    std::thread::sleep(Duration::from_secs(seconds));
    // Not a tail call: optimized builds would drop this frame from the stack.
    std::hint::black_box(seconds);
}

#[inline(never)]
fn spin_for(seconds: u64) -> u64 {
    let start = Instant::now();
    let mut x = 1u64;
    while start.elapsed() < Duration::from_secs(seconds) {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

/// Blocks the runtime's stack signal on this thread, so it cannot answer a capture.
fn block_stack_signal() {
    // SAFETY: plain libc calls on a sigset we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGRTMIN() + 4);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// A task blocks its worker; the parent sends SIGQUIT once it says "ready".
fn blocking(policy: FreezePolicy, how: Blocking) {
    let rt = Runtime::builder()
        .worker_threads(2)
        .freeze_policy(policy)
        .build()
        .unwrap();
    rt.block_on(async move {
        task::Builder::new().name("archiver").spawn(async move {
            match how {
                Blocking::Sleep => compress_in_place(60),
                Blocking::Spin => {
                    mark("spin", line!() + 1);
                    spin_for(60);
                }
                Blocking::SignalBlocked => {
                    block_stack_signal();
                    spin_for(60);
                }
            }
        });
        async_io::Timer::after(Duration::from_millis(100)).await;
        println!("ready");
        std::io::stdout().flush().unwrap();
        std::future::pending::<()>().await;
    });
}

/// One worker, a 1.5 s blocking poll, a task queued behind it; the program goes on and exits 0.
fn watchdog() {
    let rt = Runtime::builder()
        .worker_threads(1)
        .stall_warning(Duration::from_millis(150))
        .build()
        .unwrap();
    rt.block_on(async {
        let stuck = task::Builder::new().name("sleepy").spawn(async {
            task::Builder::new().name("behind-the-stall").spawn(async {
                println!(
                    "behind-the-stall ran on {:?}",
                    std::thread::current().name()
                )
            });
            mark("watchdog_sleep", line!() + 1);
            std::thread::sleep(Duration::from_millis(1500));
        });
        stuck.await.unwrap();
        async_io::Timer::after(Duration::from_millis(300)).await;
    });
    println!("done");
}

fn stall_fatal() {
    let rt = Runtime::builder()
        .worker_threads(2)
        .stall_fatal(Duration::from_millis(200))
        .build()
        .unwrap();
    rt.block_on(async {
        let stuck = task::Builder::new()
            .name("wedged")
            .spawn(async { compress_in_place(30) });
        let _ = stuck.await;
    });
}

// -------------------------------------------------------------------------------------------

/// An `at` line for `line` of this file, in `function` (qualified names need full debug
/// info: optimized test builds have line tables only, and short names for inlined frames).
fn has_at(text: &str, line: u32, function: &str) -> bool {
    let prefix = format!("at executor/tests/stacks.rs:{line}:");
    let suffix = format!(" in stacks::{function}");
    let named = |l: &str| l.ends_with(&suffix) || !cfg!(debug_assertions);
    text.lines()
        .any(|l| l.trim_start().starts_with(&prefix) && named(l))
}

fn sleeping_task_shows_the_sleep_call(policy: &str) {
    let run = sigquit("blocking_sleep", policy);
    let b = block(&run.stderr, "\"archiver\"");
    assert!(b.contains("[running, skipped]"), "{b}");
    // The marks went to stdout before "ready"; `wait_for_stdout` consumed that part, so the
    // line comes from this file's own source.
    let line = line_of("    std::thread::sleep(Duration::from_secs(seconds));");
    assert!(
        has_at(b, line, "compress_in_place"),
        "no sleep line {line} in\n{b}"
    );
}

#[test]
fn a_task_in_a_blocking_sleep_shows_the_sleep_line_under_freeze() {
    sleeping_task_shows_the_sleep_call("freeze");
}

#[test]
fn a_task_in_a_blocking_sleep_shows_the_sleep_line_under_no_freeze() {
    sleeping_task_shows_the_sleep_call("no_freeze");
}

#[test]
fn a_cpu_loop_shows_the_loop() {
    let run = sigquit("cpu_loop", "freeze");
    let b = block(&run.stderr, "\"archiver\"");
    let spin = line_of("    while start.elapsed() < Duration::from_secs(seconds) {");
    let body = line_of(
        "        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));",
    );
    assert!(
        has_at(b, spin, "spin_for") || has_at(b, body, "spin_for"),
        "no loop line in\n{b}"
    );
}

#[test]
fn a_thread_that_cannot_answer_is_reported_and_the_dump_finishes() {
    let run = sigquit("signal_blocked", "freeze");
    let b = block(&run.stderr, "\"archiver\"");
    let reason = b
        .lines()
        .find(|l| l.starts_with("    stack unavailable: worker "))
        .unwrap_or_else(|| panic!("{b}"));
    assert!(reason.ends_with(" did not answer in 50.0ms"), "{reason}");
    assert!(run.elapsed < Duration::from_secs(30));
}

#[test]
fn the_watchdog_warns_with_the_blocking_line_and_the_program_goes_on() {
    let run = child::run("watchdog", &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("done"), "{}", run.stdout);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("executor: stall: "))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per stalled poll:\n{}",
        run.stderr
    );
    let warning = warnings[0];
    assert!(
        warning.contains("task 2 \"sleepy\" has held worker 0 for ")
            && warning.contains(" in one poll (spawned at executor/tests/stacks.rs:"),
        "{warning}"
    );
    let line = marked(&run.stdout, "watchdog_sleep");
    let after: String = run
        .stderr
        .split(warning)
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert!(
        has_at(&after, line, "watchdog"),
        "no sleep line {line} under the warning:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("executor: stall over: task 2 \"sleepy\"'s poll ended after ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().any(|l| l.starts_with(
            "executor: starved: task 3 \"behind-the-stall\" is scheduled but not polled for "
        )),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("behind-the-stall ran"));
}

#[test]
fn stall_fatal_ends_in_a_dump_with_the_stuck_stack() {
    let run = child::run("stall_fatal", &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("fatal error: stall: task 2 \"wedged\" held worker "),
        "{}",
        run.stderr
    );
    let b = block(&run.stderr, "\"wedged\"");
    let line = line_of("    std::thread::sleep(Duration::from_secs(seconds));");
    assert!(has_at(b, line, "compress_in_place"), "{b}");
}

/// Runs `scenario` under `policy`, sends SIGQUIT once it is ready; the finished child.
fn sigquit(scenario: &str, policy: &str) -> Finished {
    let mut cmd = child::command(scenario);
    cmd.env("STACK_POLICY", policy);
    common::dump::sigquit(cmd).1
}

/// The line of `text` in this file (the parent consumes the child's stdout up to "ready"
/// while waiting for it, marks included).
fn line_of(text: &str) -> u32 {
    common::dump::line_of(include_str!("stacks.rs"), text)
}

#[test]
fn stall_stacks_off_keeps_the_warnings_without_signalling_the_worker() {
    let run = child::run("watchdog", &[("EXECUTOR_DEBUG", "stall_stacks=0")]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("executor: stall: task 2 \"sleepy\" has held worker 0 for "))
        .unwrap_or_else(|| panic!("no warning in\n{}", run.stderr));
    let after = run.stderr.split(warning).nth(1).unwrap_or_default();
    assert!(
        after.starts_with("\n    stack unavailable: not taken (stall_stacks is off)\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("executor: stall over: task 2 \"sleepy\"'s poll ended after ")),
        "{}",
        run.stderr
    );
}
