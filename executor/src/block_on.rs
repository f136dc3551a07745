//! Running a future on the calling thread: `Runtime::block_on`.
//!
//! The future is a task for introspection (it has a record in the registry, named `main` for
//! the main future of `#[executor::main]`), and it passes the same freeze check as a worker's
//! task before each poll (freeze rule 1).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex as StdMutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a tracer waits for a `block_on` thread's answer at most: far beyond any trace
/// budget, so that only a tracer already abandoned ever reaches it.
const ABANDONED_TRACER_WAIT: Duration = Duration::from_secs(30);

use crate::locks::lock;
use crate::loom_sync::Arc;
use crate::scheduler::Shared;
use crate::task::record::TaskRecord;
use crate::trace::{self, Outcome, ThreadTrace};
use crate::{clock, context, freeze};

/// How a `block_on` future is shown and what its panics do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockOnKind {
    /// `Some("main")` for the main future of `#[executor::main]`.
    pub(crate) name: Option<&'static str>,
    /// A panic escaping the future is a fatal error (the main future) rather than unwinding
    /// out of `block_on`.
    pub(crate) panic_is_fatal: bool,
}

#[derive(Debug)]
struct ThreadWaker {
    thread: Thread,
    /// The thread's kernel id, for stack captures.
    tid: libc::pid_t,
    notified: AtomicBool,
    record: Arc<TaskRecord>,
    /// A tracer asked for a trace poll (`trace/mod.rs`); the exchange holds the answer.
    trace_requested: AtomicBool,
    trace: StdMutex<TraceExchange>,
    traced: Condvar,
}

/// Requests and answers, numbered: a tracer abandoned while it waited (its poll outlived the
/// per-task limit) must not take the answer meant for the tracer that came after it.
#[derive(Debug, Default)]
struct TraceExchange {
    /// The number of the latest request.
    requested: u64,
    /// The latest request the last answer covers: one trace poll answers every request made
    /// before it started.
    answered: u64,
    outcome: Option<Outcome>,
}

impl ThreadWaker {
    /// Takes the tracers' requests, if there are any: the number of the latest.
    fn take_trace_request(&self) -> Option<u64> {
        // Acquire pairs with the Release in `trace`: the request's number is written first.
        if self.trace_requested.load(Ordering::Acquire)
            && self.trace_requested.swap(false, Ordering::AcqRel)
        {
            Some(lock(&self.trace).requested)
        } else {
            None
        }
    }

    fn answer(&self, request: u64, outcome: Outcome) {
        let mut exchange = lock(&self.trace);
        exchange.answered = request;
        exchange.outcome = Some(outcome);
        self.traced.notify_all();
    }
}

impl ThreadTrace for ThreadWaker {
    fn trace(&self) -> Outcome {
        let mut exchange = lock(&self.trace);
        exchange.requested += 1;
        let mine = exchange.requested;
        self.trace_requested.store(true, Ordering::Release);
        self.thread.unpark();
        // The tracer running this is watched, and abandoned long before this bound if it waits
        // too long (a `block_on` thread stuck in something else, or gone, never answers); the
        // bound only lets an abandoned tracer thread end, rather than wait forever.
        let give_up = Instant::now() + ABANDONED_TRACER_WAIT;
        loop {
            if exchange.answered >= mine {
                if let Some(outcome) = &exchange.outcome {
                    return outcome.clone();
                }
            }
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Outcome::TimedOut(ABANDONED_TRACER_WAIT);
            }
            exchange = self
                .traced
                .wait_timeout(exchange, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn tid(&self) -> libc::pid_t {
        self.tid
    }
}

impl Wake for ThreadWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        // Unlike a spawned task's, this waker runs concurrently from any number of threads,
        // also while the future is being polled.
        self.record.on_concurrent_wake();
        // Release pairs with the Acquire swap in the poll loop: whatever the waker's caller
        // wrote before waking is visible to the next poll.
        if !self.notified.swap(true, Ordering::Release) {
            self.thread.unpark();
        }
    }
}

/// Removes the `block_on` record from the registry on every exit, unwinding included.
struct Registered<'a> {
    shared: &'a Shared,
    key: usize,
    record: Arc<TaskRecord>,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.shared.registry.remove_block_on(self.key);
        // This thread's "end of the last poll" would otherwise stand for "now" in whatever it
        // spawns or wakes next, outside any poll (`clock::last_poll_end`).
        clock::forget_last_poll();
    }
}

/// Polls `future` on this thread until it completes.
///
/// `#[track_caller]`, like every public entry that leads here: a misuse panic names the
/// user's call, not this file.
#[track_caller]
pub(crate) fn block_on<F: Future>(
    shared: &Arc<Shared>,
    future: F,
    kind: BlockOnKind,
    site: &'static Location<'static>,
) -> F::Output {
    if context::current_task().is_some() {
        panic!(
            "Runtime::block_on called from inside a task: it would block a thread that polls \
             tasks, and can deadlock the runtime; .await the future instead, or move the \
             blocking part into executor::spawn_blocking"
        );
    }
    let _runtime = context::enter_runtime(shared.clone());
    let parent = context::current_task();
    let now = clock::now();
    let record = Arc::new(TaskRecord::new(
        kind.name.map(Into::into),
        site,
        parent,
        now,
    ));
    let waker_state = std::sync::Arc::new(ThreadWaker {
        thread: std::thread::current(),
        tid: crate::stack::current_tid(),
        notified: AtomicBool::new(true),
        record: record.clone(),
        trace_requested: AtomicBool::new(false),
        trace: StdMutex::new(TraceExchange::default()),
        traced: Condvar::new(),
    });
    let registered = Registered {
        shared,
        key: shared
            .registry
            .insert_block_on(record.clone(), waker_state.clone()),
        record,
    };
    let waker = Waker::from(waker_state.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let record = &registered.record;
    loop {
        if let Some(request) = waker_state.take_trace_request() {
            // A tracer's trace poll, on this thread since the future lives here; not a poll
            // of the task (`trace/mod.rs` rule 3).
            let (polled, outcome) = trace::trace_poll(future.as_mut(), record, &cx);
            waker_state.answer(request, outcome);
            match polled {
                Ok(Poll::Pending) => continue,
                Ok(Poll::Ready(out)) => {
                    freeze::hold();
                    return out;
                }
                Err(payload) => {
                    freeze::hold();
                    std::panic::resume_unwind(payload)
                }
            }
        }
        if !waker_state.notified.swap(false, Ordering::Acquire) {
            clock::forget_last_poll();
            std::thread::park();
            continue;
        }
        let start = clock::poll_start();
        record.enter_poll(None);
        // Freeze rule 1, as on a worker.
        if freeze::is_freezing() {
            record.abandon_poll();
            park_frozen(&waker_state, future.as_mut(), record, &cx);
        }
        record.poll_started(None, start);
        let polled = {
            let _task = context::enter_task(record, kind.panic_is_fatal);
            if kind.panic_is_fatal {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
                    Ok(p) => p,
                    Err(payload) => {
                        // Shown `panicked` on this thread, not idle, like a task's.
                        record.on_fatal_panic();
                        crate::fatal::panicked(record, "main", payload.as_ref())
                    }
                }
            } else {
                future.as_mut().poll(&mut cx)
            }
        };
        record.exit_poll(start, clock::poll_end());
        if let Poll::Ready(out) = polled {
            // I6: returning would let `main` return and the process exit mid-dump.
            freeze::hold();
            return out;
        }
    }
}

/// Stands the thread still for good at freeze rule 1, still answering tracers: the future
/// lives on this thread, so the dump's await trace of this task (`main` most often) can only
/// be taken here.
fn park_frozen<F: Future>(
    waker_state: &ThreadWaker,
    mut future: std::pin::Pin<&mut F>,
    record: &TaskRecord,
    cx: &Context<'_>,
) -> ! {
    loop {
        if let Some(request) = waker_state.take_trace_request() {
            let (polled, outcome) = trace::trace_poll(future.as_mut(), record, cx);
            waker_state.answer(request, outcome);
            if !matches!(polled, Ok(Poll::Pending)) {
                // Finished during the trace poll: the output (or panic) is kept, never
                // dropped (its destructor is user code), and there is nothing left to trace.
                std::mem::forget(polled);
                freeze::park_forever();
            }
        }
        std::thread::park();
    }
}
