//! The attributes `#[executor::main]` and `#[executor::test]`.
//!
//! Use them through the `executor` crate, which re-exports both; this crate's generated code
//! names `::executor`, so it does not work on its own.
//!
//! Both turn an `async fn` into a synchronous one that builds an `executor::Runtime` and
//! blocks on the function's body. They take the same optional arguments, each the
//! `executor::Builder` method of the same name; [`macro@main`] lists them.
//!
//! ```
//! #[executor::main(worker_threads = 2, freeze_policy = "no_freeze", task_panic = "propagate")]
//! async fn main() {
//!     let answer = executor::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! A mistake in the arguments or the signature is a compile error on the offending token,
//! such as `worker_threads = 0`, `freeze_timeout = "100"` (no unit) or a missing `async`.

#![deny(missing_docs)]

mod config;
mod duration;
mod expand;

use proc_macro::TokenStream;

use crate::expand::Kind;

/// Runs an `async fn main` on an `executor` runtime.
///
/// The body becomes the runtime's main task, named `main` in dumps; a panic escaping it is a
/// fatal error (every task is dumped, then the process exits). A runtime that cannot be built
/// is a message on stderr and exit status 1. `main` may return whatever a synchronous `main`
/// may, such as `Result<(), E>`.
///
/// # Arguments
///
/// All are optional, each at most once, in any order. Each calls the `executor::Builder`
/// method of the same name, and each value is checked at compile time as far as it can be:
/// what `Builder::build` would refuse is a compile error on the value.
///
/// - `worker_threads = 4`: how many worker threads poll tasks, an integer literal in
///   `1..=1024` (`executor::MAX_WORKER_THREADS`). Default: one per core.
/// - `thread_name = "my-worker"`: the prefix of the worker threads' names, which get `-0`,
///   `-1`, ... appended (the OS may show only the first 15 bytes). No NUL byte. Default:
///   `"executor-worker"`.
/// - `freeze_policy = "freeze"` or `"no_freeze"`: what a fatal error does to the workers, see
///   `executor::FreezePolicy`. Default: `"freeze"`.
/// - `freeze_timeout = "100ms"`: under `"freeze"`, how long the fatal path waits for the
///   workers to stop; a duration (below) greater than zero. Default: `"100ms"`.
/// - `task_panic = "propagate"` or `"fatal"`: what a panic in a spawned task does, see
///   `executor::TaskPanic`: `"propagate"` hands it to the task's `JoinHandle`, `"fatal"` dumps
///   every task and exits. Default: `"propagate"`. (A panic escaping `main`'s own body is
///   always fatal.)
/// - `sigquit_dump = false` or `true`: whether `SIGQUIT` dumps every task and exits with
///   status 2. Default: `true`.
/// - `dump_path = "executor-dump.txt"`: also write the fatal dump to this file, and its JSON
///   to the same path with `.json` added. A path relative to the working directory at the
///   time of the dump; not empty, no NUL byte. `EXECUTOR_DUMP_PATH` overrides it. Default:
///   stderr only.
/// - `await_traces = false` or `true`: whether fatal dumps poll each idle task once more to
///   show where it waits (`executor::Builder::await_traces`). Default: `true`.
/// - `stall_warning = "200ms"`: start the stall watchdog, which warns about polls longer than
///   this; a duration greater than zero (`executor::Builder::stall_warning`). Default: off.
/// - `stall_fatal = "2s"`: turn polls longer than this into a fatal error with the full dump;
///   a duration greater than zero. Default: off.
///
/// A duration is a string literal: a number, with or without a decimal part, followed by a
/// unit, `ns`, `us`, `ms`, `s` or `m` (minutes), without spaces: `"250us"`, `"100ms"`,
/// `"1.5s"`, `"2m"`. It must be a whole number of nanoseconds (`"1.5ns"` is an error).
///
/// # Examples
///
/// Every argument:
///
/// ```
/// #[executor::main(
///     worker_threads = 2,
///     thread_name = "my-worker",
///     freeze_policy = "no_freeze",
///     freeze_timeout = "250ms",
///     task_panic = "fatal",
///     sigquit_dump = false,
///     dump_path = "executor-dump.txt",
///     await_traces = true,
///     stall_warning = "200ms",
///     stall_fatal = "30s",
/// )]
/// async fn main() {
///     let name = executor::spawn(async {
///         std::thread::current().name().map(str::to_owned)
///     });
///     let name = name.await.unwrap().unwrap();
///     assert!(name.starts_with("my-worker-"), "{name}");
/// }
/// ```
///
/// `main` may return a `Result`:
///
/// ```
/// #[executor::main(worker_threads = 4, freeze_timeout = "1.5s")]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "21".parse()?;
///     let doubled = executor::spawn(async move { n * 2 }).await.unwrap();
///     assert_eq!(doubled, 42);
///     Ok(())
/// }
/// ```
///
/// expands to
///
/// ```ignore
/// fn main() -> Result<(), std::num::ParseIntError> {
///     let builder = ::executor::Runtime::builder()
///         .worker_threads(4)
///         .freeze_timeout(::core::time::Duration::new(1, 500000000));
///     ::executor::__private::run_main(builder, async move {
///         // the body
///     })
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on its own `executor` runtime.
///
/// The function becomes a `#[test]`; a panic fails the test as usual, so `#[should_panic]`
/// and `#[ignore]` work, written below this attribute. A test may return `Result<(), E>`.
/// It takes the same arguments as [`macro@main`].
///
/// # Examples
///
/// ```no_run
/// #[executor::test(worker_threads = 2)]
/// async fn two_workers() {
///     assert_eq!(executor::Handle::current().worker_threads(), 2);
///     let h = executor::spawn(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }
///
/// #[executor::test(task_panic = "propagate", thread_name = "panicky")]
/// async fn a_task_panics() {
///     let h = executor::spawn(async { panic!("in a task") });
///     assert!(h.await.unwrap_err().is_panic());
/// }
///
/// #[executor::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Kind::Test, args.into(), item.into()).into()
}
