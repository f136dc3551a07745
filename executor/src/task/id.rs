//! [`id`] and [`try_id`]: which task is running this code.
//!
//! The answer is the task whose poll is on this thread's stack (`context.rs`), so it is the
//! same id dumps show for the task and [`JoinHandle::id`](crate::JoinHandle::id) returns.

use introspect::TaskId;

use crate::context;

/// The id of the task running this code, as dumps show it and [`JoinHandle::id`] returns.
///
/// Unlike tokio, a `block_on` future (`block_on`, or `main` under `#[executor::main]`) has
/// an id too: dumps list it as a task, so it answers with that id rather than panicking.
///
/// # Panics
/// Outside any task or `block_on` (a plain thread, a `spawn_blocking` closure), with the
/// caller's location; see [`try_id`] for a version that does not panic.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let h = rt.spawn(async { executor::task::id() });
/// let id = h.id();
/// assert_eq!(rt.block_on(h).unwrap(), id);
/// ```
///
/// [`JoinHandle::id`]: crate::JoinHandle::id
#[track_caller]
pub fn id() -> TaskId {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "executor::task::id() called outside a task: call it from a spawned task or a \
             block_on future, or use task::try_id() where there may be none"
        ),
    }
}

/// The id of the task running this code, or `None` outside any task or `block_on` future.
///
/// ```
/// assert_eq!(executor::task::try_id(), None);
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// assert!(rt.block_on(async { executor::task::try_id() }).is_some());
/// ```
pub fn try_id() -> Option<TaskId> {
    context::current_task()
}
