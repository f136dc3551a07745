//! Await traces: where each suspended task waits, found by polling it once more, on a tracer
//! thread, with a `Context` whose waker records who keeps it.
//!
//! The `Future` contract allows spurious polls, so a correct future tolerates one. The leaf
//! future that registers the waker (a channel, a timer, a lock, a `JoinHandle`) clones it from
//! deep inside the task's stack of polls, where every async fn's poll frame points at its
//! `.await` line: the clone is the moment to walk the stack. No annotation, no per-poll cost.
//!
//! Rules (I8 of ARCHITECTURE.md: trace polls are the one controlled exception to I1):
//! 1. Only tracer threads trace-poll, and only tasks a snapshot read as idle, after its rows
//!    were taken. No worker ever resumes a task because of a trace.
//! 2. A tracer obtains a task's `Runnable` by waking it through the waker its record keeps,
//!    with its thread-local stash open: the schedule function, seeing the stash open on the
//!    thread it runs on, keeps the `Runnable` there instead of queueing it, so no worker (a
//!    frozen one least of all) can take it. A task that was not idle (already scheduled,
//!    running, finished) is not handed over, and is reported so.
//! 3. A trace poll is not a poll: no counters, no state change, no wait recorded. The harness
//!    sees it through [`in_trace_poll`] and polls the user future with the trace `Context`.
//! 4. The trace waker's `clone` captures the stack (the first leaf's) and returns a counted
//!    wrapper of the task's real waker, which forwards wakes to it: later real wakes reach the
//!    task. After the poll, a live wrapper means some leaf kept a waker; none means nothing
//!    can ever wake the task (a lost wakeup). A poll that completes means a leaf was ready
//!    although nobody had woken the task.
//! 5. The stash is open only across the tracer's own wake of its target, so it holds that one
//!    `Runnable`. A wake during the trace poll (the leaf woke the task, or another thread
//!    did) finds it closed and is queued as any wake would be, even if the poll never returns.
//! 6. A trace poll that panics is caught and reported, the panic hook silent; one that does
//!    not return within the per-task limit is abandoned with its thread, and a fresh tracer
//!    goes on. All traces of one snapshot share an overall budget.
//!
//! What is not guaranteed: a trace poll runs user code (the rest of an async fn whose leaf was
//! ready, a leaf's bookkeeping), so it can change program state; the stack walk goes through
//! the system unwinder, which takes the dynamic loader's lock. In a live snapshot (workers
//! running) a task read as idle may have run and gone idle again before its tracer asks for
//! it: it is then traced where it waits now, one spurious poll the `Future` contract allows;
//! one that is queued or running by then is reported not idle.

mod resolve;
mod tracer;
mod waker;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

pub(crate) use resolve::to_trace;
pub(crate) use tracer::trace_all;
pub(crate) use waker::{poll_for_trace, trace_poll};

use crate::task::meta::Runnable;

/// Tracing sessions under way in the process: while 0, [`in_trace_poll`] and [`try_stash`]
/// cost one relaxed load.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static TRACER: Tracer = const {
        Tracer {
            stash_open: Cell::new(false),
            polling: Cell::new(false),
            stash: RefCell::new(Vec::new()),
        }
    };
}

/// A tracer thread's own state (rules 2, 3, 5).
struct Tracer {
    stash_open: Cell<bool>,
    polling: Cell<bool>,
    stash: RefCell<Vec<Runnable>>,
}

/// A task to trace.
#[derive(Clone)]
pub(crate) enum Target {
    /// A spawned task, by the waker its record keeps (rule 2).
    Task(Waker),
    /// A future polled by a thread of its own (`block_on`), which traces it when asked.
    Thread(Arc<dyn ThreadTrace>),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Task(_) => f.write_str("Target::Task"),
            Target::Thread(_) => f.write_str("Target::Thread"),
        }
    }
}

/// A thread that polls a future of its own and can be asked for a trace poll of it.
pub(crate) trait ThreadTrace: Send + Sync + std::fmt::Debug {
    /// Asks for a trace poll and waits for its outcome; the tracer's limits bound the wait
    /// (a thread that does not answer has its tracer abandoned).
    fn trace(&self) -> Outcome;

    /// The thread's kernel id, to capture its native stack while it polls.
    fn tid(&self) -> libc::pid_t;
}

/// How long tracing may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// One trace poll; past it, the tracer is abandoned (rule 6).
    pub(crate) per_task: Duration,
    /// All trace polls of one snapshot.
    pub(crate) budget: Duration,
}

impl Limits {
    /// The limits of dumps and live snapshots.
    pub(crate) const DEFAULT: Limits = Limits {
        // Generous within the 20-50 ms a trace poll may take: a tracer preempted on a loaded
        // machine must not pass for a stuck one.
        per_task: Duration::from_millis(50),
        budget: Duration::from_secs(2),
    };
}

/// What one trace poll found, before symbols are resolved.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The task was polled: the stack of the first leaf that cloned the waker (return
    /// addresses, innermost first), and what happened to the waker.
    Traced {
        ips: Vec<usize>,
        kept: bool,
        ready: bool,
    },
    /// Rule 2: the task was not idle when the tracer asked for it.
    NotIdle,
    /// The trace poll panicked.
    Panicked(String),
    /// The trace poll did not return within the per-task limit.
    TimedOut(Duration),
    /// The overall budget ran out before this task's turn.
    Budget,
    /// No tracer thread could be started.
    NoThread(String),
}

/// Rule 3: whether the poll starting on this thread is a trace poll.
#[inline]
pub(crate) fn in_trace_poll() -> bool {
    // Relaxed: a tracer sets the count before its own polls (program order); other threads
    // only need to see "not mine", which the thread-local tells them.
    ACTIVE.load(Ordering::Relaxed) != 0 && TRACER.with(|t| t.polling.get())
}

/// Rule 2: keeps `runnable` in this thread's stash if it is an open tracer's; gives it back
/// otherwise.
#[inline]
pub(crate) fn try_stash(runnable: Runnable) -> Result<(), Runnable> {
    if ACTIVE.load(Ordering::Relaxed) == 0 {
        return Err(runnable);
    }
    TRACER.with(|t| {
        if t.stash_open.get() {
            t.stash.borrow_mut().push(runnable);
            Ok(())
        } else {
            Err(runnable)
        }
    })
}
