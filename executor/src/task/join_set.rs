//! [`JoinSet`]: tasks joined in the order they finish, with tokio's API.
//!
//! The set is a `FuturesUnordered` of [`JoinHandle`]s. It polls only the handles whose task
//! woke them, so each `join_next` costs one completed task, not a scan of the set.
//!
//! Rules:
//! 1. Each task in the set has exactly one handle, in `handles`; it leaves the set when
//!    `join_next` (or `try_join_next`) hands out its result, or by `detach_all`.
//! 2. Dropping the set aborts every task still in it, as tokio's `JoinSet` does (its handles
//!    then detach, so the tasks' futures are dropped at their next scheduling point).
//! 3. A dump shows a task waiting in `join_next` as `join task N` when one task is left in the
//!    set, and as `join task N (among other waits)` when several are. The handles are polled
//!    with [`JoinHandle::poll_output`], which records nothing; the set records the wait
//!    itself. A wait on *any* of several tasks is no single `join` edge: recorded as one, it
//!    would tell the deadlock finder that the waiter is stuck as soon as that one task is,
//!    while any other task of the set could still free it; marked among others, it never is.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures::stream::{FuturesUnordered, StreamExt};
use introspect::TaskId;

use crate::context;
use crate::runtime::Handle;
use crate::task::join::{AbortHandle, JoinError, JoinHandle};
use crate::task::spawn::spawn_on;
use crate::task::wait::{self, WaitKind};

/// A set of tasks with one output type, joined in the order they finish.
///
/// Spawned tasks start at once, whether or not anyone awaits the set. **Dropping the set
/// aborts every task still in it**, as tokio's does; [`JoinSet::detach_all`] lets them run
/// on instead.
///
/// The tasks are ordinary tasks: dumps show each with the site of its `spawn` call. A task
/// waiting in [`JoinSet::join_next`] shows no wait while several tasks are left in the set
/// (it waits on any one of them, which a single `join task N` line would misstate), and
/// `join task N` once one is left.
///
/// ```
/// use executor::task::JoinSet;
///
/// let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..10u64 {
///         set.spawn(async move { i * i });
///     }
///     let mut sum = 0;
///     while let Some(res) = set.join_next().await {
///         sum += res.unwrap();
///     }
///     assert_eq!(sum, 285);
///     assert!(set.is_empty());
/// });
/// ```
pub struct JoinSet<T> {
    /// The handle of every task in the set (rule 1).
    handles: FuturesUnordered<Entry<T>>,
}

/// One task of the set: its handle, polled without recording a wait (rule 3).
struct Entry<T> {
    handle: JoinHandle<T>,
}

impl<T> Future for Entry<T> {
    type Output = (TaskId, Result<T, JoinError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.handle.id();
        self.handle.poll_output(cx).map(|out| (id, out))
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        JoinSet {
            handles: FuturesUnordered::new(),
        }
    }

    /// How many tasks are in the set: running ones, and finished ones whose result has not
    /// been taken yet.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether the set has no task.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Adds a spawned task's handle; returns an abort handle for it.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        self.handles.push(Entry { handle });
        abort
    }

    /// Waits for one of the tasks to finish and returns its result, or `None` when the set
    /// is empty. Results come in the order the tasks finish.
    ///
    /// Cancel safe: dropped before it completes (in a `select!`), it takes no task out of the
    /// set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// [`JoinSet::join_next`], with the id of the task that finished, for an `Ok` result
    /// too ([`JoinError::id`] has it for failures).
    pub async fn join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The result of a task that has finished, if there is one, without waiting: `None` when
    /// no task has finished yet, or when the set is empty.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id().map(|r| r.map(|(_, out)| out))
    }

    /// [`JoinSet::try_join_next`], with the id of the task that finished.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(TaskId, T), JoinError>> {
        // A handle is in `FuturesUnordered`'s ready queue when it is new or its task woke it,
        // which a task does only when it finishes: one pass polls every finished task, and
        // nobody needs waking for the ones still running.
        let mut cx = Context::from_waker(Waker::noop());
        match self.handles.poll_next_unpin(&mut cx) {
            Poll::Ready(Some((id, out))) => Some(out.map(|value| (id, value))),
            Poll::Ready(None) | Poll::Pending => None,
        }
    }

    /// Polls for the next result, as [`JoinSet::join_next`] awaits it: `Ready(None)` when
    /// the set is empty. For hand-written futures.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|next| next.map(|r| r.map(|(_, out)| out)))
    }

    /// [`JoinSet::poll_join_next`], with the id of the task that finished.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(TaskId, T), JoinError>>> {
        match self.handles.poll_next_unpin(cx) {
            Poll::Ready(next) => Poll::Ready(next.map(|(id, out)| out.map(|value| (id, value)))),
            Poll::Pending => {
                // Rule 3: a join edge only when the wait is on one task. On several, any of
                // which may finish first, the first two are recorded, so the wait shows as
                // `join task N (among other waits)` (`wait.rs` rule 4) and never as part of a
                // deadlock.
                for entry in self.handles.iter().take(2) {
                    wait::set_current(WaitKind::Join, entry.handle.id().0, 0);
                }
                Poll::Pending
            }
        }
    }

    /// Aborts every task in the set. They stay in it: [`JoinSet::join_next`] then gives each
    /// one's result, a [`JoinError::is_cancelled`] error unless it had already finished.
    pub fn abort_all(&mut self) {
        for entry in self.handles.iter() {
            entry.handle.abort();
        }
    }

    /// Aborts every task and waits until each has stopped, dropping their results: the same
    /// as [`JoinSet::abort_all`] then [`JoinSet::join_next`] until it gives `None`.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Removes every task from the set without aborting it: they run on, detached, and
    /// dropping the set no longer affects them.
    pub fn detach_all(&mut self) {
        // Dropping a `JoinHandle` detaches its task.
        self.handles.clear();
    }

    /// Waits for every task and returns their outputs, in the order the tasks finished.
    ///
    /// # Panics
    /// When a task failed: a task's panic is resumed here with its payload, a cancellation
    /// panics with the [`JoinError`]'s message. The set is dropped on the way out, so the
    /// tasks still in it are aborted.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => outputs.push(value),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(err) => panic!("{err}"),
                },
            }
        }
        outputs
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `task` on the current runtime and adds it to the set; returns a handle that can
    /// abort it. Dumps show the task spawned here, at the caller's line.
    ///
    /// # Panics
    /// Outside a runtime, with the caller's location (see [`crate::spawn`]).
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let site = Location::caller();
        let handle = context::with_current_shared(|shared| spawn_on(shared, task, None, site));
        self.insert(handle)
    }

    /// Spawns `task` on the runtime of `handle`, from any thread, and adds it to the set.
    ///
    /// ```
    /// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let mut set = executor::task::JoinSet::new();
    /// set.spawn_on(async { 3 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = spawn_on(&handle.shared, task, None, Location::caller());
        self.insert(handle)
    }

    /// Runs `f` on the blocking pool (see [`crate::spawn_blocking`]) and adds it to the set.
    /// Aborting it, or dropping the set, cannot stop `f` once it has started.
    ///
    /// # Panics
    /// Outside a runtime, with the caller's location.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let handle = crate::task::spawn_blocking(f);
        self.insert(handle)
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        // Rule 2; the handles detach as `handles` drops.
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
