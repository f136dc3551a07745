//! [`JoinHandle`] and [`JoinError`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use introspect::TaskId;

use std::task::Waker;

use crate::loom_sync::Ordering;
use crate::registry::RecordRef;
use crate::task::harness::panic_message;
use crate::task::meta::TaskMeta;
use crate::task::record::TaskRecord;
use crate::task::wait::{self, WaitKind};

/// Why a task produced no value.
///
/// One pointer: a task's output sits beside its future in the task's allocation, so a large
/// error would make every task larger, failed or not.
pub struct JoinError(Box<Inner>);

struct Inner {
    id: TaskId,
    /// The task's name, if it had one, for messages.
    name: Option<Box<str>>,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled(id: TaskId, name: Option<Box<str>>) -> JoinError {
        JoinError(Box::new(Inner {
            id,
            name,
            repr: Repr::Cancelled,
        }))
    }

    pub(crate) fn panic(
        id: TaskId,
        name: Option<Box<str>>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> JoinError {
        JoinError(Box::new(Inner {
            id,
            name,
            repr: Repr::Panic(payload),
        }))
    }

    /// `task 6 "parser"`, as dumps name tasks (the name escaped).
    fn task(&self) -> String {
        introspect::task_label(self.0.id, self.0.name.as_deref())
    }

    /// The task was aborted, or its runtime shut down before it finished.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.repr, Repr::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.0.repr, Repr::Panic(_))
    }

    /// The id of the task that failed.
    pub fn id(&self) -> TaskId {
        self.0.id
    }

    /// The panic payload, to resume the panic with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicked; see [`JoinError::try_into_panic`].
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic called on a cancelled task's error")
    }

    /// The panic payload, or the error back if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        let Inner { id, name, repr } = *self.0;
        match repr {
            Repr::Panic(p) => Ok(p),
            Repr::Cancelled => Err(JoinError::cancelled(id, name)),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.repr {
            Repr::Cancelled => write!(f, "{} was cancelled", self.task()),
            Repr::Panic(p) => write!(f, "{} panicked: {}", self.task(), panic_message(p.as_ref())),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.repr {
            Repr::Cancelled => write!(f, "JoinError::Cancelled({})", self.task()),
            Repr::Panic(p) => write!(
                f,
                "JoinError::Panic({}, {:?})",
                self.task(),
                panic_message(p.as_ref())
            ),
        }
    }
}

impl std::error::Error for JoinError {}

/// Asks the task to stop: its harness sees the flag at its next poll, which the wake brings.
fn request_abort(record: &TaskRecord) {
    // Release pairs with the harness's Acquire load at the task's next poll.
    record.abort_requested.store(true, Ordering::Release);
    // The record holds a waker until the future is gone; after that there is nothing to cancel.
    if let Some(waker) = record.waker() {
        waker.wake();
    }
}

/// An owned permission to await a spawned task's output.
///
/// Dropping it detaches the task, which runs on to completion (as in tokio).
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let h = rt.spawn(async { 7 });
/// assert_eq!(rt.block_on(h).unwrap(), 7);
///
/// let h = rt.spawn(std::future::pending::<()>());
/// h.abort();
/// assert!(rt.block_on(h).unwrap_err().is_cancelled());
/// ```
pub struct JoinHandle<T> {
    task: Option<async_task::FallibleTask<Result<T, JoinError>, TaskMeta>>,
    /// Valid while `task` is `Some`: the task handle keeps the allocation, and so the record,
    /// alive (registry rule 3).
    record: RecordRef,
    id: TaskId,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: async_task::Task<Result<T, JoinError>, TaskMeta>) -> Self {
        let meta = task.metadata();
        JoinHandle {
            record: meta.record_ref(),
            id: meta.record().id,
            task: Some(task.fallible()),
        }
    }

    /// The task's record, while this handle still holds the task.
    fn record(&self) -> Option<&TaskRecord> {
        self.task.as_ref().map(|_| {
            // SAFETY: `self.task` holds a reference to the task's allocation, which keeps its
            // metadata and so its record alive (registry rule 3); the returned borrow cannot
            // outlive `&self`, hence the task handle.
            unsafe { self.record.get() }
        })
    }

    /// Cancels the task: its future is dropped at its next scheduling point and awaiting this
    /// handle gives [`JoinError::is_cancelled`], unless it had already finished.
    pub fn abort(&self) {
        if let Some(record) = self.record() {
            request_abort(record);
        }
    }

    /// A handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        let inner = self
            .record()
            .and_then(|r| r.waker().map(|w| (w, self.record)));
        AbortHandle { inner, id: self.id }
    }

    /// Whether the task has finished (completed, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// The task's id, as shown in dumps.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<T> JoinHandle<T> {
    /// Polls for the task's output without recording a wait: for a `JoinSet`, whose task
    /// waits on any one of its handles, not on the one polled last (see `join_set.rs`).
    pub(crate) fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let id = self.id;
        let task = self
            .task
            .as_mut()
            .expect("JoinHandle polled after it returned Ready");
        match Pin::new(task).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(out) => {
                self.task = None;
                // `None`: the runtime dropped the task without running it to the end.
                Poll::Ready(out.unwrap_or_else(|| Err(JoinError::cancelled(id, None))))
            }
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.poll_output(cx);
        if polled.is_pending() {
            // The waiting task's wait: an edge of the wait-for graph.
            wait::set_current(WaitKind::Join, self.id.0, 0);
        }
        polled
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task from anywhere (see [`JoinHandle::abort`]) and tells whether it has finished,
/// without owning its output.
#[derive(Clone)]
pub struct AbortHandle {
    /// A waker of the task, which keeps its allocation (and so the record) alive; `None` when
    /// the task had already finished.
    inner: Option<(Waker, RecordRef)>,
    id: TaskId,
}

impl AbortHandle {
    /// The task's record, while the task's future existed when this handle was made.
    fn record(&self) -> Option<&TaskRecord> {
        self.inner.as_ref().map(|(_, record)| {
            // SAFETY: the waker beside it keeps the task's allocation alive for as long as
            // `self`, so its metadata, which only frees the record when the allocation goes
            // (registry rule 3), is alive too; the borrow cannot outlive `&self`.
            unsafe { record.get() }
        })
    }

    /// Cancels the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        if let Some(record) = self.record() {
            request_abort(record);
        }
    }

    /// Whether the task has finished: completed, panicked or been cancelled (or dropped by
    /// its runtime's shutdown). Once true it stays true.
    ///
    /// ```
    /// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let h = rt.spawn(std::future::pending::<()>());
    /// let abort = h.abort_handle();
    /// assert!(!abort.is_finished());
    /// abort.abort();
    /// assert!(rt.block_on(h).unwrap_err().is_cancelled());
    /// assert!(abort.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        // `None`: the future was already gone when the handle was made.
        self.record().is_none_or(TaskRecord::is_finished)
    }

    /// The task's id, as shown in dumps; the same as [`JoinHandle::id`].
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
