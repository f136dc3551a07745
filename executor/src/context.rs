//! Thread-local context: which runtime and which task the current thread is serving.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use introspect::TaskId;

use crate::loom_sync::Arc;
use crate::scheduler::Shared;
use crate::task::record::TaskRecord;

thread_local! {
    /// The runtime of this thread: set for a worker's whole life and during `block_on`.
    static RUNTIME: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
    /// The task being polled on this thread.
    static TASK: Cell<Option<CurrentTask>> = const { Cell::new(None) };
    /// Which registry shard this thread's spawns go to: a worker's index, or a per-thread
    /// number for other threads, so threads rarely share a shard lock.
    static SHARD_HINT: Cell<Option<usize>> = const { Cell::new(None) };
    /// The worker index of this thread, if it is a worker.
    static WORKER_INDEX: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Restores the previous runtime context on drop.
#[derive(Debug)]
pub(crate) struct RuntimeGuard {
    previous: Option<Arc<Shared>>,
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        RUNTIME.with(|r| *r.borrow_mut() = previous);
    }
}

/// Makes `shared` the current runtime of this thread until the guard drops.
pub(crate) fn enter_runtime(shared: Arc<Shared>) -> RuntimeGuard {
    let previous = RUNTIME.with(|r| r.borrow_mut().replace(shared));
    RuntimeGuard { previous }
}

/// Calls `f` with the current runtime.
///
/// # Panics
/// When the thread has no runtime.
#[track_caller]
pub(crate) fn with_current_shared<R>(f: impl FnOnce(&Arc<Shared>) -> R) -> R {
    // Borrowed, not cloned: the caller clones only what it keeps (a spawn, one reference for
    // its task's metadata). `f` never enters or leaves a runtime, so the borrow cannot
    // conflict.
    let found = RUNTIME.with(|r| r.borrow().as_ref().map(f));
    match found {
        Some(out) => out,
        None => panic!(
            "there is no executor runtime on this thread: spawn from inside a task or \
             Runtime::block_on, or use Handle::spawn with a handle to the runtime"
        ),
    }
}

/// The current runtime, if any.
pub(crate) fn try_current_shared() -> Option<Arc<Shared>> {
    RUNTIME.with(|r| r.borrow().clone())
}

/// The task a thread is polling.
#[derive(Debug, Clone, Copy)]
struct CurrentTask {
    /// Its record: valid for the whole poll (the poller keeps the task alive), and only ever
    /// shared.
    record: NonNull<TaskRecord>,
    /// Whether its panics are fatal.
    panics_are_fatal: bool,
    /// Whether leaves record waits in it: not during a trace poll, which must leave the
    /// record as the task's own polls left it.
    records_waits: bool,
}

/// Restores the previous task context on drop.
#[derive(Debug)]
pub(crate) struct TaskGuard {
    previous: Option<CurrentTask>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        TASK.with(|t| t.set(self.previous));
    }
}

/// Marks the task of `record` as the one being polled on this thread until the guard drops.
/// The caller keeps the record alive for longer than the guard.
pub(crate) fn enter_task(record: &TaskRecord, panics_are_fatal: bool) -> TaskGuard {
    enter(record, panics_are_fatal, true)
}

/// [`enter_task`] for a trace poll: spawns see their parent, but waits are not recorded.
pub(crate) fn enter_traced_task(record: &TaskRecord) -> TaskGuard {
    enter(record, false, false)
}

fn enter(record: &TaskRecord, panics_are_fatal: bool, records_waits: bool) -> TaskGuard {
    let current = CurrentTask {
        record: NonNull::from(record),
        panics_are_fatal,
        records_waits,
    };
    let previous = TASK.with(|t| t.replace(Some(current)));
    TaskGuard { previous }
}

/// Calls `f` with the record of the task being polled on this thread, if any.
#[inline]
pub(crate) fn with_current_record<R>(f: impl FnOnce(&TaskRecord) -> R) -> Option<R> {
    let current = TASK.try_with(|t| t.get()).ok().flatten()?;
    // SAFETY: `enter_task`'s caller keeps the record alive while its guard is in place, and
    // the guard restores the previous task before it drops; the borrow does not leave `f`.
    Some(f(unsafe { current.record.as_ref() }))
}

/// Calls `f` with the record of the task being polled on this thread, unless there is none
/// or the poll is a trace poll (`wait.rs`).
#[inline]
pub(crate) fn with_waiting_record(f: impl FnOnce(&TaskRecord)) {
    if let Some(current) = TASK.try_with(|t| t.get()).ok().flatten() {
        if current.records_waits {
            // SAFETY: as in `with_current_record`.
            f(unsafe { current.record.as_ref() });
        }
    }
}

/// The task being polled on this thread.
#[inline]
pub(crate) fn current_task() -> Option<TaskId> {
    with_current_record(|r| r.id)
}

/// The task being polled on this thread and when its poll started (`TaskRecord::since`
/// during a poll: its start, or a wake that came during it), from one thread-local access.
/// The time is 0 when the runtime keeps no poll times (`executor_no_stats`).
#[inline]
pub(crate) fn current_task_and_poll_start() -> Option<(TaskId, u64)> {
    with_current_record(|r| (r.id, r.since()))
}

/// Whether a panic on this thread right now is fatal (a task under `TaskPanic::Fatal`, or
/// the main future).
pub(crate) fn panic_is_fatal() -> bool {
    TASK.try_with(|t| t.get())
        .ok()
        .flatten()
        .is_some_and(|c| c.panics_are_fatal)
}

/// Records that this thread is worker `index`.
pub(crate) fn set_worker_index(index: usize) {
    WORKER_INDEX.with(|w| w.set(Some(index)));
    SHARD_HINT.with(|s| s.set(Some(index)));
}

/// This thread's worker index, if it is a worker.
pub(crate) fn worker_index() -> Option<usize> {
    WORKER_INDEX.with(|w| w.get())
}

/// The registry shard this thread should use.
pub(crate) fn registry_shard_hint() -> usize {
    SHARD_HINT.with(|s| match s.get() {
        Some(h) => h,
        None => {
            // Relaxed: any spread of numbers will do.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let h = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            s.set(Some(h));
            h
        }
    })
}
