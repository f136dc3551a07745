//! Tasks: spawning, handles, the per-task record and the harness around each future.
//!
//! The user's side follows tokio's `tokio::task`, so a port is mostly a change of path:
//!
//! - [`spawn`], [`Builder`] (a named task), [`spawn_blocking`] and [`yield_now`].
//! - [`JoinHandle`] awaits one task's output (or its [`JoinError`]); dropping it detaches the
//!   task. [`AbortHandle`] aborts a task and tells whether it has finished.
//! - [`JoinSet`] owns a group of tasks and yields their results as they finish; dropping it
//!   aborts them, as tokio's does.
//! - [`id`] and [`try_id`] name the running task, with the id dumps show.
//! - [`task_local!`](crate::task_local) declares [`LocalKey`]s: values scoped to a future,
//!   which follow it from worker to worker.
//!
//! Where it differs from tokio:
//!
//! - [`id`] answers inside `block_on` (a `block_on` future is a task in dumps, with an id),
//!   and [`try_id`] is `None` inside a [`spawn_blocking`] closure.
//! - [`LocalKey::get`] asks for `Clone` rather than `Copy`.
//! - [`JoinSet`] has no `build_task` (spawn a named task with [`Builder`] and keep its
//!   [`JoinHandle`]), no `spawn_local` (there are no local sets), no `spawn_blocking_on`, and
//!   no `Extend` or `FromIterator`: spawning from inside `collect` would record a spawn site
//!   in the standard library instead of the user's line.
//!
//! Every task, whichever way it was spawned, is in dumps with its spawn site: the line of the
//! user's `spawn` call (`#[track_caller]` all the way down), and a task waiting on a join
//! shows `join task N`.

mod blocking;
mod builder;
pub(crate) mod harness;
mod id;
pub(crate) mod join;
mod join_set;
mod local;
pub(crate) mod meta;
mod name;
pub(crate) mod record;
pub(crate) mod spawn;
pub(crate) mod wait;
mod waker_slot;
mod yield_now;

pub use blocking::spawn_blocking;
pub use builder::Builder;
pub use id::{id, try_id};
pub use join::{AbortHandle, JoinError, JoinHandle};
pub use join_set::JoinSet;
pub use local::{AccessError, LocalKey, TaskLocalFuture};
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
