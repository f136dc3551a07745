//! Tasks: spawning, handles, the per-task record and the harness around each future.

mod blocking;
mod builder;
pub(crate) mod harness;
pub(crate) mod join;
pub(crate) mod meta;
mod name;
pub(crate) mod record;
pub(crate) mod spawn;
pub(crate) mod wait;
mod waker_slot;
mod yield_now;

pub use blocking::spawn_blocking;
pub use builder::Builder;
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use yield_now::{yield_now, YieldNow};

pub use introspect::TaskId;

use std::future::Future;

/// Spawns a task on the current runtime (the one whose worker or `block_on` this is).
///
/// Records the call site and the spawning task for dumps.
///
/// # Panics
/// Outside a runtime, with a message that says where one is needed.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// let sum = rt.block_on(async {
///     let handles: Vec<_> = (0..10u64).map(|i| executor::spawn(async move { i })).collect();
///     let mut sum = 0;
///     for h in handles {
///         sum += h.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 45);
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let site = std::panic::Location::caller();
    crate::context::with_current_shared(|shared| spawn::spawn_on(shared, future, None, site))
}
