//! The attributes `#[executor::main]` and `#[executor::test]`.
//!
//! Use them through the `executor` crate, which re-exports both; this crate's generated code
//! names `::executor`, so it does not work on its own.
//!
//! Both turn an `async fn` into a synchronous one that builds an `executor::Runtime` and
//! blocks on the function's body. They take the same optional arguments:
//!
//! - `worker_threads = N`: how many worker threads poll tasks, from 1 to
//!   `executor::MAX_WORKER_THREADS` (1024). Default: one per core.
//! - `freeze_policy = "freeze" | "no_freeze"`: what a fatal error does to the workers, see
//!   `executor::FreezePolicy`. Default: `"freeze"`.
//!
//! ```
//! #[executor::main(worker_threads = 2, freeze_policy = "no_freeze")]
//! async fn main() {
//!     let answer = executor::spawn(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(answer, 42);
//! }
//! ```
//!
//! A mistake in the arguments or the signature is a compile error on the offending token,
//! such as `worker_threads = 0` or a missing `async`.

#![deny(missing_docs)]

mod config;
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
/// - `worker_threads = N`: worker threads, `1..=1024` (default: one per core).
/// - `freeze_policy = "freeze" | "no_freeze"`: see `executor::FreezePolicy` (default:
///   `"freeze"`).
///
/// # Examples
///
/// ```
/// #[executor::main(worker_threads = 4)]
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
///     let builder = ::executor::Runtime::builder().worker_threads(4);
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
