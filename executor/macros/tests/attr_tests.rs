//! `#[executor::test]` used for real: the runtime it builds, its arguments, and its interplay
//! with the standard test attributes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use executor::{FreezePolicy, Handle, TaskPanic};

#[executor::test]
async fn spawns_and_joins_a_task() {
    let task = executor::spawn(async { 6 * 7 });
    assert_eq!(task.await.unwrap(), 42);
}

#[executor::test(worker_threads = 2)]
async fn worker_threads_argument() {
    assert_eq!(Handle::current().worker_threads(), 2);
    let tasks: Vec<_> = (0..8u32)
        .map(|i| executor::spawn(async move { i * i }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await.unwrap();
    }
    assert_eq!(sum, 140);
}

#[executor::test(worker_threads = 1, freeze_policy = "no_freeze")]
async fn both_arguments() {
    let handle = Handle::current();
    assert_eq!(handle.worker_threads(), 1);
    // The environment may force a policy (`EXECUTOR_DEBUG=nofreeze=..`); check only without.
    if std::env::var_os("EXECUTOR_DEBUG").is_none() {
        assert_eq!(handle.freeze_policy(), FreezePolicy::NoFreeze);
    }
}

#[executor::test]
async fn returns_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "21".parse()?;
    assert_eq!(executor::spawn(async move { n * 2 }).await.unwrap(), 42);
    Ok(())
}

#[executor::test]
#[should_panic(expected = "boom in the test body")]
async fn should_panic_on_a_body_panic() {
    executor::yield_now().await;
    panic!("boom in the test body");
}

#[executor::test]
#[should_panic(expected = "boom in a task")]
async fn should_panic_on_a_task_panic_resumed() {
    let task = executor::spawn(async { panic!("boom in a task") });
    if let Err(e) = task.await {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[executor::test]
#[ignore = "checks that `#[ignore]` is kept: this would fail if it ran"]
async fn ignore_is_kept() {
    panic!("an ignored test ran");
}

/// `run_test` is `#[track_caller]` and the macro gives its call the body's span, so the
/// test's own task is recorded as spawned here, at the body's opening brace.
#[executor::test]
async fn spawn_site_is_the_test_function() {
    let fn_line = line!() - 1;
    let snapshot = Handle::current().snapshot();
    let site = snapshot
        .tasks
        .iter()
        .filter_map(|t| t.spawned_at.as_ref())
        .find(|s| s.line == fn_line)
        .expect("a task spawned at this test's signature");
    assert!(site.file.ends_with("attr_tests.rs"), "{site:?}");
}

#[executor::test(task_panic = "propagate", thread_name = "x")]
async fn thread_name_and_task_panic_propagate() {
    let name = executor::spawn(async { std::thread::current().name().map(str::to_owned) });
    let name = name.await.unwrap().expect("workers are named");
    assert!(name.starts_with("x-"), "{name}");
    let snapshot = Handle::current().snapshot();
    assert!(snapshot
        .workers
        .iter()
        .all(|w| w.thread_name.starts_with("x-")));

    let task = executor::spawn(async { panic!("handed to the join handle") });
    assert!(task.await.unwrap_err().is_panic());
}

#[executor::test(freeze_timeout = "1.5s", sigquit_dump = true, dump_path = "unused.txt")]
async fn other_arguments_build_a_runtime() {
    assert_eq!(executor::spawn(async { 2 + 2 }).await.unwrap(), 4);
}

#[test]
fn max_worker_threads_agrees_with_the_runtime() {
    // `executor-macros` repeats this limit in its `config::MAX_WORKER_THREADS`.
    assert_eq!(executor::MAX_WORKER_THREADS, 1024);
}

#[test]
fn choices_agree_with_the_runtime() {
    // `executor-macros` names these variants in its `config::ARGS`, and the tests above and
    // `tests/ui/pass/main_all_arguments.rs` use every one. These matches stop compiling when
    // a variant is added, as a reminder to give it a name in the attribute too.
    let freeze_policy = |p| match p {
        FreezePolicy::Freeze => "freeze",
        FreezePolicy::NoFreeze => "no_freeze",
    };
    let task_panic = |p| match p {
        TaskPanic::Propagate => "propagate",
        TaskPanic::Fatal => "fatal",
    };
    assert_eq!(freeze_policy(FreezePolicy::default()), "freeze");
    assert_eq!(task_panic(TaskPanic::default()), "propagate");
}

/// A task panic under `task_panic = "fatal"` ends the process with the dump, also written to
/// `dump_path`, relative to the working directory.
#[test]
fn task_panic_fatal_and_dump_path() {
    let dir = fresh_dir("task_panic_fatal");
    let out = run_alone("child_task_panic_fatal", &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("panic in task"), "{stderr}");
    assert!(stderr.contains("fatal in a task"), "{stderr}");
    let dump = std::fs::read_to_string(dir.join("fatal-dump.txt")).expect("the dump file");
    assert!(dump.contains("fatal in a task"), "{dump}");
    assert!(dir.join("fatal-dump.txt.json").is_file());
}

#[executor::test(
    task_panic = "fatal",
    dump_path = "fatal-dump.txt",
    freeze_timeout = "20ms",
    worker_threads = 2
)]
#[ignore = "run alone by `task_panic_fatal_and_dump_path`: it ends the process"]
async fn child_task_panic_fatal() {
    if !run_by_parent("child_task_panic_fatal") {
        return;
    }
    let task = executor::spawn(async { panic!("fatal in a task") });
    let _ = task.await;
    unreachable!("a task panic under `task_panic = \"fatal\"` was not fatal");
}

/// `sigquit_dump = false` leaves `SIGQUIT` alone; by default the runtime catches it.
#[cfg(target_os = "linux")]
#[test]
fn sigquit_dump_argument() {
    let dir = fresh_dir("sigquit_dump");
    for child in ["child_sigquit_dump_on", "child_sigquit_dump_off"] {
        let out = run_alone(child, &dir);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{child}: {stdout}{stderr}");
        assert!(stdout.contains("1 passed"), "{child} did not run: {stdout}");
    }
}

#[cfg(target_os = "linux")]
#[executor::test]
#[ignore = "run alone by `sigquit_dump_argument`: it reads the process's signal handlers"]
async fn child_sigquit_dump_on() {
    if !run_by_parent("child_sigquit_dump_on") {
        return;
    }
    assert!(sigquit_is_caught());
}

#[cfg(target_os = "linux")]
#[executor::test(sigquit_dump = false)]
#[ignore = "run alone by `sigquit_dump_argument`: it reads the process's signal handlers"]
async fn child_sigquit_dump_off() {
    if !run_by_parent("child_sigquit_dump_off") {
        return;
    }
    assert!(!sigquit_is_caught());
}

/// Whether this process has a handler for `SIGQUIT`: its bit in the `SigCgt` mask of
/// `/proc/self/status`.
#[cfg(target_os = "linux")]
fn sigquit_is_caught() -> bool {
    const SIGQUIT: u32 = 3;
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .expect("a SigCgt line");
    let mask = u64::from_str_radix(mask.trim(), 16).unwrap();
    mask & (1 << (SIGQUIT - 1)) != 0
}

/// Runs the ignored test `name` of this binary alone in a process of its own, in `dir`,
/// without the environment variables that override a runtime's configuration.
fn run_alone(name: &str, dir: &Path) -> Output {
    Command::new(std::env::current_exe().unwrap())
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .current_dir(dir)
        .env(CHILD, name)
        .env_remove("EXECUTOR_DEBUG")
        .env_remove("EXECUTOR_TRACEBACK")
        .env_remove("EXECUTOR_DUMP_PATH")
        .output()
        .unwrap()
}

/// The variable [`run_alone`] sets to the name of the test it runs.
const CHILD: &str = "EXECUTOR_MACROS_CHILD_TEST";

/// Whether this is the child test `name` run by [`run_alone`]; one run some other way, as by
/// `cargo test -- --ignored`, does nothing rather than end the whole run.
fn run_by_parent(name: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == name)
}

/// An empty directory of its own under cargo's temporary directory for tests.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
