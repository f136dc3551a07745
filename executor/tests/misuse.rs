//! Every misuse panic names the user's call site: the location a panic reports is in this
//! file, never inside the runtime (`#[track_caller]` all the way down).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use executor::{task, Handle, Runtime};

/// Panic locations seen by the hook, with the thread's name. One test at a time: the hook is
/// process-wide.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `f`, expecting it to panic, and returns the file of the panic's location.
fn panic_location(f: impl FnOnce()) -> String {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    SEEN.lock().unwrap().clear();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| l.file().to_owned())
            .unwrap_or_default();
        SEEN.lock().unwrap_or_else(|e| e.into_inner()).push(at);
    }));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    assert!(result.is_err(), "expected a panic");
    let seen = SEEN.lock().unwrap();
    seen.first().cloned().expect("the hook saw the panic")
}

fn assert_here(file: String) {
    assert!(
        file.ends_with("tests/misuse.rs"),
        "the panic was reported at {file}, not at the caller in this file"
    );
}

#[test]
fn block_on_inside_a_task_reports_the_caller() {
    let rt = common::rt(1);
    assert_here(panic_location(|| {
        rt.block_on(async { Handle::current().block_on(async {}) });
    }));
    assert_here(panic_location(|| {
        let inner = common::rt(1);
        rt.block_on(async move { inner.block_on(async {}) });
    }));
}

#[test]
fn spawning_outside_a_runtime_reports_the_caller() {
    assert_here(panic_location(|| drop(executor::spawn(async {}))));
    assert_here(panic_location(|| {
        drop(task::Builder::new().name("x").spawn(async {}))
    }));
    assert_here(panic_location(|| drop(executor::spawn_blocking(|| ()))));
    assert_here(panic_location(|| drop(Handle::current())));
}

#[test]
fn into_panic_on_a_cancelled_task_reports_the_caller() {
    let rt = Runtime::builder().worker_threads(1).build().unwrap();
    let h = rt.spawn(std::future::pending::<()>());
    h.abort();
    let err = rt.block_on(h).unwrap_err();
    assert_here(panic_location(move || drop(err.into_panic())));
}

#[test]
fn a_bad_build_unwrapped_shows_what_to_do() {
    let err = Runtime::builder().worker_threads(0).build().unwrap_err();
    let debug = format!("{err:?}");
    assert!(debug.contains("at least one worker thread"), "{debug}");
}

executor::task_local! {
    static KEY: u32;
}

#[test]
fn task_toolbox_misuse_reports_the_caller() {
    assert_here(panic_location(|| {
        let _ = task::id();
    }));
    assert_here(panic_location(|| {
        task::JoinSet::<()>::new().spawn(async {});
    }));
    assert_here(panic_location(|| {
        task::JoinSet::<()>::new().spawn_blocking(|| ());
    }));
    assert_here(panic_location(|| KEY.with(|_| ())));
    assert_here(panic_location(|| {
        let _ = KEY.get();
    }));
    assert_here(panic_location(|| {
        KEY.sync_scope(1, || KEY.with(|_| KEY.sync_scope(2, || ())))
    }));
}
