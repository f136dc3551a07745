//! Support for the macros' generated code. Not public API.

use std::future::Future;

use crate::config::Builder;

/// The body of a `#[executor::main]` function: build the runtime (a bad configuration is a
/// clear message and exit status 1), run the main future as the task `main`, whose panic is
/// a fatal error.
#[track_caller]
pub fn run_main<F: Future>(builder: Builder, future: F) -> F::Output {
    match builder.build() {
        Ok(rt) => rt.handle().block_on_main(future),
        Err(e) => {
            eprintln!("error: cannot start the executor runtime: {e}");
            std::process::exit(1)
        }
    }
}

/// The body of an `#[executor::test]` function: panics propagate, so the test fails as usual.
#[track_caller]
pub fn run_test<F: Future>(builder: Builder, future: F) -> F::Output {
    match builder.build() {
        Ok(rt) => rt.block_on(future),
        Err(e) => panic!("cannot start the executor runtime: {e}"),
    }
}

/// The size of a task's record in the registry's arena, for the memory benchmark.
pub fn task_record_size() -> usize {
    std::mem::size_of::<crate::task::record::TaskRecord>()
}
