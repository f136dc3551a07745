//! A multi-threaded, work-stealing async runtime that explains itself when things go wrong.
//!
//! When a program built on it hits a fatal error ([`fatal`], a task panic under
//! [`TaskPanic::Fatal`], a panic in `#[executor::main]`, or `SIGQUIT`), the runtime stops
//! the world the way the Go runtime does and prints what every task was doing: a table of all
//! tasks, then one block per task with its state, spawn site and parent, the task that failed
//! first. The same snapshot is available live ([`Handle::snapshot`], [`Handle::dump`]) and as
//! JSON (`introspect::render::json`).
//!
//! ```
//! #[executor::main(worker_threads = 2)]
//! async fn main() {
//!     let h = executor::task::Builder::new()
//!         .name("answer")
//!         .spawn(async { 42 });
//!     assert_eq!(h.await.unwrap(), 42);
//! }
//! ```
//!
//! Tasks ([`task`]) have tokio's API: [`spawn`], [`JoinHandle`], [`AbortHandle`], [`JoinSet`],
//! [`task::id`], [`task_local!`] and the rest, so a port from tokio is mostly a change of
//! path; the [`task`] module lists where they differ.
//!
//! [`main`](macro@main) and [`test`](macro@test) take the [`Builder`]'s settings as arguments,
//! each checked at compile time: `worker_threads = 4`, `thread_name = "my-worker"`,
//! `freeze_policy = "no_freeze"`, `freeze_timeout = "100ms"`, `task_panic = "fatal"`,
//! `sigquit_dump = false` and `dump_path = "executor-dump.txt"`.
//!
//! # Freeze policies
//!
//! A fatal error sets one process-wide *freezing* flag. Every worker checks it after it has
//! picked its next task and before it polls it; a worker that sees it leaves the task
//! scheduled and parks for good. So, whatever the policy, **no task goes from not running to
//! running once the flag is set**, and the dump never reads a task that is being polled: such
//! a task is reported `running, skipped` with its worker and how long it has been in its poll.
//!
//! - [`FreezePolicy::Freeze`] (the default): the fatal path also wakes parked workers and
//!   waits, a bounded number of times within [`Builder::freeze_timeout`] (100 ms by default),
//!   for every worker to reach a scheduling point and stop. A task stuck in a long poll keeps
//!   its worker; after the wait it is reported `running, skipped` and the dump goes on.
//! - [`FreezePolicy::NoFreeze`]: the fatal path stops nobody and waits only about a
//!   millisecond (longer only for a worker caught between two polls to settle). Running tasks go on running while the dump is written; a worker that
//!   finishes its poll and picks another task parks instead. Use it when freezing would hide
//!   the scheduler state you are debugging (Go's `GODEBUG=dontfreezetheworld=1`).
//!
//! Set it with [`Builder::freeze_policy`], `#[executor::main(freeze_policy = "no_freeze")]`,
//! or without a rebuild with `EXECUTOR_DEBUG=nofreeze=1` (the environment wins).
//!
//! # Environment
//!
//! - `EXECUTOR_DEBUG=nofreeze=1|0`: force the freeze policy. Entries are comma-separated,
//!   as in `EXECUTOR_DEBUG=nofreeze=1,stall=200ms`.
//! - `EXECUTOR_DEBUG=traces=0|1`: turn the await traces of fatal dumps off or on
//!   ([`Builder::await_traces`]).
//! - `EXECUTOR_DEBUG=stall=200ms`, `stall_fatal=2s`: the stall watchdog's thresholds
//!   ([`Builder::stall_warning`], [`Builder::stall_fatal`]).
//! - `EXECUTOR_TRACEBACK=none|single|all|crash`: how much the fatal dump shows (`all` by
//!   default; `crash` aborts after the dump so the system can keep a core file).
//! - `EXECUTOR_DUMP_PATH=file`: also write the dump to `file` and its JSON to `file.json`.
//!
//! An unknown key or value is reported once on stderr and ignored.

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod barrier;
mod block_on;
mod clock;
mod config;
mod context;
mod env;
mod fatal;
mod frames;
mod freeze;
mod inspect;
mod locks;
mod loom_sync;
mod registry;
mod resource;
mod runtime;
mod scheduler;
mod snapshot;
mod stack;
pub mod sync;
pub mod task;
pub mod time;
mod trace;
mod watchdog;

#[doc(hidden)]
pub mod __private {
    //! Used by the code `#[executor::main]` and `#[executor::test]` generate, by this
    //! crate's integration tests and by the benchmarks. Not public API.
    pub use crate::private::{run_main, run_test, task_record_size};

    /// The local run queue, for its stress test (`tests/local_queue.rs`).
    pub mod queue {
        pub use crate::scheduler::queue::{new, Overflow, Owner, Stealer, CAPACITY};
    }
}
mod private;

#[cfg(all(test, loom))]
mod loom_models;

pub use config::{BuildError, Builder, FreezePolicy, TaskPanic, MAX_WORKER_THREADS};
pub use executor_macros::{main, test};
pub use fatal::fatal;
pub use freeze::freezing;
pub use runtime::{Handle, Runtime};
pub use snapshot::SnapshotOptions;
pub use task::{
    spawn, spawn_blocking, yield_now, AbortHandle, JoinError, JoinHandle, JoinSet, TaskId,
};

/// The introspection model and renderers, re-exported so users need one dependency.
pub use introspect;
