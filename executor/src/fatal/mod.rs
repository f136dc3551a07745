//! The fatal path: [`fatal`], fatal panics, `SIGQUIT`; freeze, snapshot, dump, exit.
//!
//! Steps (invariants I1-I8 of ARCHITECTURE.md):
//! 1. claim the freezing flag (`freeze::claim`): a fatal error inside the fatal path prints
//!    one line and aborts; one on another thread parks that thread for good;
//! 2. freeze every runtime of the process, each under its own policy;
//! 3. take a snapshot without blocking on any lock a frozen thread may hold;
//! 4. write the dump to stderr (and a file when asked) and flush it;
//! 5. exit with status 2, or abort under `EXECUTOR_TRACEBACK=crash`.

mod dump;
mod hook;
// Miri cannot run the signal thread's pipes (see `Runtime::start`).
#[cfg(not(miri))]
pub(crate) mod signal;

use std::any::Any;
use std::fmt::Display;
use std::panic::Location;
use std::time::Duration;

use introspect::{PanicInfo, Reason, TaskId};

use crate::config::FreezePolicy;
use crate::frames::{self, Symbolizer};
use crate::inspect::{self, Extras};
use crate::loom_sync::Arc;
use crate::runtime::RUNTIMES;
use crate::scheduler::Shared;
use crate::task::harness::panic_message;
use crate::task::record::TaskRecord;
use crate::{context, freeze, snapshot};

#[cfg(not(miri))]
pub(crate) use hook::install_exit_hold;
pub(crate) use hook::install_panic_hook;

/// How long the fatal path waits for a lock (the runtime list, a registry shard) that some
/// thread holds, before it reports what it could not read.
const LOCK_BOUND: Duration = Duration::from_millis(50);

/// Stops the program with a fatal error, the way Go's runtime `throw` does: freezes every
/// runtime (per its [`FreezePolicy`](crate::FreezePolicy)), prints what every task was doing
/// to stderr, and exits with status 2.
///
/// Callable from a task, from `block_on`, or from any thread. Use it when an invariant is
/// broken and carrying on would do harm.
///
/// ```no_run
/// let rt = executor::Runtime::builder().build().unwrap();
/// rt.block_on(async {
///     let balance = -1;
///     if balance < 0 {
///         executor::fatal(format!("negative balance {balance}"));
///     }
/// });
/// ```
#[track_caller]
pub fn fatal(message: impl Display) -> ! {
    let location = Location::caller();
    let backtrace = backtrace::Backtrace::new_unresolved();
    let task = context::current_task();
    claim();
    // Formatting runs user code: after the claim, so a message that panics or calls `fatal`
    // is a fatal error during the fatal error (one line, abort), not a lost dump.
    let reason = Reason::Fatal {
        message: message.to_string(),
        location: Some(snapshot::location(location)),
        task,
    };
    freeze_and_dump(reason, task, Some(backtrace), None)
}

/// A panic escaped a task under `TaskPanic::Fatal` or the main future of `#[executor::main]`
/// (called from the task's harness or `block_on`, with its record); `place` names it for the
/// message, as in "panic in task 7" or "panic in main".
pub(crate) fn panicked(record: &TaskRecord, place: &str, payload: &(dyn Any + Send)) -> ! {
    claim();
    let (location, backtrace) = hook::take_last_panic();
    let message = panic_message(payload);
    let reason = Reason::Fatal {
        message: format!("panic in {place}: {message}"),
        location: location.clone(),
        task: Some(record.id),
    };
    let panic = PanicInfo { message, location };
    freeze_and_dump(reason, Some(record.id), backtrace, Some(panic))
}

/// Step 1: returns only on the thread that becomes the fatal thread.
pub(crate) fn claim() {
    match freeze::claim() {
        freeze::Claim::First => {}
        freeze::Claim::Recursive => {
            dump::write_line_and_abort("fatal error during the fatal dump; aborting")
        }
        freeze::Claim::Another => freeze::stand_still(),
    }
}

/// Steps 2 to 5, on the fatal thread. The backtrace was captured unresolved at the error and
/// is resolved (slow: it reads debug info) only after the snapshot, so the snapshot shows the
/// moment of the error.
pub(crate) fn freeze_and_dump(
    reason: Reason,
    fatal_task: Option<TaskId>,
    backtrace: Option<backtrace::Backtrace>,
    panic: Option<PanicInfo>,
) -> ! {
    let runtimes = live_runtimes();
    let own = context::try_current_shared();
    let mut freeze_notes = Vec::new();
    let policy = own
        .as_ref()
        .or(runtimes.first())
        .map_or(FreezePolicy::Freeze, |s| s.policy());
    for shared in &runtimes {
        let own_worker = own
            .as_ref()
            .filter(|o| Arc::ptr_eq(o, shared))
            .and_then(|_| context::worker_index());
        let outcome = freeze::freeze_workers(
            shared,
            shared.policy(),
            shared.config.freeze_timeout,
            own_worker,
        );
        freeze_notes.push(freeze_note(shared.policy(), outcome));
    }
    // Trace polls only if every runtime allows them (one of them may forbid running any more
    // of the program's code).
    let traces = runtimes.iter().all(|s| s.config.await_traces);
    let mut rows = Vec::new();
    let mut unread_shards = 0;
    for (i, shared) in runtimes.iter().enumerate() {
        let unread = shared
            .registry
            .rows_bounded(LOCK_BOUND, traces, |row| rows.push((row, i)));
        unread_shards += unread.shards;
    }
    let now = crate::clock::now();
    // With the rows, before traces and stacks take their time: one instant for the dump.
    let (mut resources, unread_resources) = crate::resource::collect(Some(LOCK_BOUND), now);
    crate::resource::add_described(&mut resources, &rows, Some(LOCK_BOUND));
    let view = snapshot::View::Fatal(fatal_task);
    let mut symbolizer = Symbolizer::new();
    let extras = Extras {
        traces,
        stacks: true,
    };
    let mut tasks = inspect::build_tasks(&runtimes, rows, now, view, extras, &mut symbolizer);
    if let Some(panic) = panic {
        if let Some(task) = tasks.iter_mut().find(|t| Some(t.id) == fatal_task) {
            task.panic = Some(panic);
        }
    }
    let mut snapshot = snapshot::assemble(
        &runtimes,
        tasks,
        (resources, unread_resources),
        reason,
        policy,
    );
    snapshot.notes.splice(0..0, freeze_notes);
    if unread_shards > 0 {
        snapshot.notes.push(format!(
            "{unread_shards} registry shard(s) stayed locked for {LOCK_BOUND:?}: their tasks \
             are missing"
        ));
    }
    snapshot.backtrace = backtrace.map(|bt| frames::backtrace_frames(&bt, &mut symbolizer));
    frames::relativize(&mut snapshot);
    let dump_path = runtimes.iter().find_map(|s| s.config.dump_path.clone());
    dump::write(&snapshot, dump_path.as_deref())
}

/// What the freeze achieved, for the dump: how many workers, how fast, how many left inside
/// a poll (their tasks are the `running` ones).
fn freeze_note(policy: FreezePolicy, o: freeze::FreezeOutcome) -> String {
    let total = o.stopped + o.still_running;
    let last = introspect::HumanDuration(o.last_stop);
    match policy {
        FreezePolicy::Freeze if o.still_running == 0 => format!(
            "freeze: {total} of {total} other workers stopped, the last {last} after the fatal \
             error"
        ),
        FreezePolicy::Freeze => {
            let stopped = if o.stopped == 0 {
                format!("none of {total} other workers stopped")
            } else {
                format!(
                    "{} of {total} other workers stopped (the last {last} after the fatal error)",
                    o.stopped
                )
            };
            format!(
                "freeze: {stopped}; {} still in a poll when the freeze wait gave up, {} after \
                 the fatal error",
                o.still_running,
                introspect::HumanDuration(freeze::since_claim()),
            )
        }
        // "Stopped", as the workers section says of them: a worker merely `parked` had nothing
        // to pick.
        FreezePolicy::NoFreeze if o.stopped == 0 => format!(
            "no_freeze: workers were not asked to stop; none of {total} others has picked a \
             task since the fatal error"
        ),
        FreezePolicy::NoFreeze => format!(
            "no_freeze: workers were not asked to stop; {} of {total} others stopped at their \
             next pick, the last {last} after the fatal error",
            o.stopped
        ),
    }
}

/// Every runtime still alive, without waiting long for the list's lock.
fn live_runtimes() -> Vec<Arc<Shared>> {
    let deadline = std::time::Instant::now() + LOCK_BOUND;
    match crate::locks::try_lock_until(&RUNTIMES, deadline, std::thread::yield_now) {
        Some(list) => list.iter().filter_map(|w| w.upgrade()).collect(),
        // The current runtime, at least.
        None => context::try_current_shared().into_iter().collect(),
    }
}
