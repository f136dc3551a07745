//! `#[executor::test]` used for real: the runtime it builds, its arguments, and its interplay
//! with the standard test attributes.

use executor::{FreezePolicy, Handle};

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

#[test]
fn max_worker_threads_agrees_with_the_runtime() {
    // `executor-macros` repeats this limit in its `config::MAX_WORKER_THREADS`.
    assert_eq!(executor::MAX_WORKER_THREADS, 1024);
}
