//! The trace poll itself: the trace `Context`'s waker, the counted wrapper its clones are,
//! and the stack walk a clone does (rules 3-4 of `trace/mod.rs`).

use std::cell::RefCell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::Outcome;
use crate::context;
use crate::scheduler::Shared;
use crate::task::harness::{finish, panic_message};
use crate::task::join::JoinError;
use crate::task::record::TaskRecord;

/// Frames a stack walk keeps at most (deep enough for any chain of awaits seen in practice).
const MAX_FRAMES: usize = 128;

thread_local! {
    /// What the trace poll under way on this thread found; taken by the tracer after `run`.
    static RESULT: RefCell<Option<Outcome>> = const { RefCell::new(None) };
}

/// The waker clones hand out: the task's real waker, and how many clones are alive.
struct Counted {
    real: Waker,
    alive: AtomicUsize,
}

/// The state of one trace poll, on the tracer's stack for the length of the poll.
struct TracePoll {
    counted: Arc<Counted>,
    /// Stack walks stop at frames above this address: the trace poll's own frame.
    bottom: usize,
    /// The first leaf's stack, innermost first. Behind a lock and an atomic although the
    /// poll runs on one thread: `&Waker` is `Sync`, so a future may lend the trace waker to a
    /// scoped thread that clones it there.
    ips: Mutex<Vec<usize>>,
    captured: AtomicBool,
}

impl TracePoll {
    /// Rule 4: a leaf clones the trace waker.
    fn on_clone(&self) -> RawWaker {
        // Relaxed: the lock orders the stack it guards; the flag only elects the first clone.
        if !self.captured.swap(true, Ordering::Relaxed) {
            let mut ips = crate::locks::lock(&self.ips);
            let bottom = self.bottom;
            // `trace` (not the unsynchronized one) takes the backtrace crate's lock; a thread
            // frozen while holding it would block this walk, which the per-task limit covers.
            backtrace::trace(|frame| {
                if frame.sp() as usize > bottom || ips.len() == MAX_FRAMES {
                    return false;
                }
                ips.push(frame.ip() as usize);
                true
            });
        }
        counted_raw(self.counted.clone())
    }
}

const TRACE_VTABLE: RawWakerVTable =
    RawWakerVTable::new(trace_clone, trace_wake, trace_wake, trace_drop);

// The trace waker is only ever lent (`&Waker` in the trace `Context`), never owned, so its
// `wake` can only be reached as `wake_by_ref` and its `drop` owns nothing.
unsafe fn trace_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the `TracePoll` that `poll_for_trace` keeps on its stack for as long
    // as the trace `Context` (and so this waker) can be used.
    let poll = unsafe { &*data.cast::<TracePoll>() };
    poll.on_clone()
}

unsafe fn trace_wake(data: *const ()) {
    // SAFETY: as in `trace_clone`.
    let poll = unsafe { &*data.cast::<TracePoll>() };
    poll.counted.real.wake_by_ref();
}

unsafe fn trace_drop(_: *const ()) {}

const COUNTED_VTABLE: RawWakerVTable = RawWakerVTable::new(
    counted_clone,
    counted_wake,
    counted_wake_by_ref,
    counted_drop,
);

/// A waker over one more reference to `counted`, counted alive.
fn counted_raw(counted: Arc<Counted>) -> RawWaker {
    // Relaxed: the count is read by the tracer after the poll, on the same thread, or later
    // as a report; it orders nothing.
    counted.alive.fetch_add(1, Ordering::Relaxed);
    RawWaker::new(Arc::into_raw(counted).cast(), &COUNTED_VTABLE)
}

unsafe fn counted_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` came from `Arc::into_raw` in `counted_raw` and the waker being cloned
    // still owns that reference, so the count is at least one.
    unsafe { Arc::increment_strong_count(data.cast::<Counted>()) };
    // SAFETY: the reference just added is the one the new waker owns.
    counted_raw(unsafe { Arc::from_raw(data.cast::<Counted>()) })
}

unsafe fn counted_wake(data: *const ()) {
    // SAFETY: `wake` consumes the waker, and with it the reference `counted_raw` gave it.
    let counted = unsafe { Arc::from_raw(data.cast::<Counted>()) };
    counted.real.wake_by_ref();
    counted.alive.fetch_sub(1, Ordering::Relaxed);
}

unsafe fn counted_wake_by_ref(data: *const ()) {
    // SAFETY: the waker owns a reference for the length of the call.
    let counted = unsafe { &*data.cast::<Counted>() };
    counted.real.wake_by_ref();
}

unsafe fn counted_drop(data: *const ()) {
    // SAFETY: as in `counted_wake`.
    let counted = unsafe { Arc::from_raw(data.cast::<Counted>()) };
    counted.alive.fetch_sub(1, Ordering::Relaxed);
}

/// Polls `future` once with the trace `Context` over `cx`'s waker (rules 3-4), catching a
/// panic. Never inlined, so its frame bounds the stack walks, and its name marks that frame.
#[inline(never)]
pub(crate) fn trace_poll<F: Future>(
    future: Pin<&mut F>,
    record: &TaskRecord,
    cx: &Context<'_>,
) -> (std::thread::Result<Poll<F::Output>>, Outcome) {
    // A block of this frame whose end bounds the walk: every callee's frame lies below it.
    let marker = [0u8; 64];
    let marker = std::hint::black_box(&marker);
    let poll = TracePoll {
        counted: Arc::new(Counted {
            real: cx.waker().clone(),
            alive: AtomicUsize::new(0),
        }),
        bottom: marker.as_ptr() as usize + marker.len(),
        ips: Mutex::new(Vec::with_capacity(MAX_FRAMES)),
        captured: AtomicBool::new(false),
    };
    let raw = RawWaker::new(std::ptr::from_ref(&poll).cast(), &TRACE_VTABLE);
    // SAFETY: the vtable's functions uphold `RawWaker`'s contract for a waker that lives no
    // longer than `poll`: this one lives only in the `Context` below, inside this frame.
    let waker = unsafe { Waker::from_raw(raw) };
    let mut trace_cx = Context::from_waker(&waker);
    let result = {
        let _task = context::enter_traced_task(record);
        super::TRACER.with(|t| t.polling.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| future.poll(&mut trace_cx)));
        super::TRACER.with(|t| t.polling.set(false));
        result
    };
    drop(waker);
    let outcome = match &result {
        Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
        Ok(polled) => Outcome::Traced {
            ips: std::mem::take(&mut *crate::locks::lock(&poll.ips)),
            kept: poll.counted.alive.load(Ordering::Relaxed) > 0,
            ready: polled.is_ready(),
        },
    };
    (result, outcome)
}

/// The harness's poll when [`super::in_trace_poll`] says so: a [`trace_poll`], its outcome
/// left for the tracer, and the task completed if its future did (rule 4).
///
/// A leaf found ready (its state published, its wake not yet delivered: every channel does
/// that in that order) lets the poll go on into the task's own code, which is then a real
/// continuation of the task: it runs inside the task's runtime, as on a worker, so that
/// `spawn` or `Handle::current` work there.
pub(crate) fn poll_for_trace<F: Future>(
    future: Pin<&mut F>,
    record: &TaskRecord,
    shared: &Arc<Shared>,
    cx: &Context<'_>,
) -> Poll<Result<F::Output, JoinError>> {
    let (result, outcome) = {
        let _runtime = context::enter_runtime(shared.clone());
        trace_poll(future, record, cx)
    };
    RESULT.with(|r| *r.borrow_mut() = Some(outcome));
    match result {
        Ok(Poll::Pending) => Poll::Pending,
        // The leaf was ready: the task really finished, on the tracer.
        Ok(Poll::Ready(output)) => Poll::Ready(finish(record, Ok(output))),
        Err(payload) => {
            // The panic hook stays silent in trace polls (a fatal dump may be printing), so
            // outside a fatal dump the task's panic is told here: it is as dead as if a
            // worker had polled it, and a live snapshot must not kill a task unseen.
            if !crate::freeze::is_freezing() {
                report_live_panic(record, shared, payload.as_ref());
            }
            Poll::Ready(finish(record, Err(payload)))
        }
    }
}

/// A task panicked in a live snapshot's trace poll: printed as a task panic is, and fatal
/// under `TaskPanic::Fatal`.
fn report_live_panic(record: &TaskRecord, shared: &Shared, payload: &(dyn std::any::Any + Send)) {
    let label = introspect::task_label(record.id, record.name());
    eprintln!(
        "executor: {label} panicked in a trace poll (a snapshot with await traces polled it): {}",
        introspect::escape(&panic_message(payload), introspect::MESSAGE_LIMIT)
    );
    if shared.config.task_panic == crate::config::TaskPanic::Fatal {
        crate::fatal::panicked(record, &format!("task {}", record.id), payload);
    }
}

/// The outcome the last trace poll on this thread left.
pub(super) fn take_result() -> Option<Outcome> {
    RESULT.with(|r| r.borrow_mut().take())
}
