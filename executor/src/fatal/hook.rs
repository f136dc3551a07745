//! The panic hook: fatal panics are reported by the dump, panics during a dump never
//! interrupt it.

use std::cell::RefCell;
use std::sync::Once;

use introspect::SourceLocation;

use crate::{context, freeze};

/// What the hook saw of the last fatal panic on this thread: where, and the backtrace.
type LastPanic = (Option<SourceLocation>, Option<backtrace::Backtrace>);

thread_local! {
    static LAST_PANIC: RefCell<LastPanic> = const { RefCell::new((None, None)) };
}

/// Installs the hook once per process, chaining to the previous one for ordinary panics.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if crate::trace::in_trace_poll() {
                // A future that panics on a spurious poll: the trace reports it, and the
                // tracer must go on (not park, not abort, not print over the dump).
                return;
            }
            if freeze::is_fatal_thread() {
                // I6: a fatal error during a fatal error does not recurse.
                let message = crate::task::harness::panic_message(info.payload());
                let location = info.location().map(|l| l.to_string()).unwrap_or_default();
                super::dump::write_line_and_abort(&format!(
                    "panic during the fatal dump at {}: {}",
                    introspect::escape(&location, introspect::MESSAGE_LIMIT),
                    introspect::escape(&message, introspect::MESSAGE_LIMIT)
                ));
            }
            // I6: another thread's fatal dump is being written; printing here would cut into
            // it, and this thread must not run anything more (a worker is reported stopped, so
            // the freeze wait does not wait for it).
            freeze::hold();
            if context::panic_is_fatal() {
                // The dump reports this panic with its location and backtrace.
                let location = info.location().map(crate::snapshot::location_copied);
                let backtrace = backtrace::Backtrace::new_unresolved();
                LAST_PANIC.with(|p| *p.borrow_mut() = (location, Some(backtrace)));
                return;
            }
            // std's message names the worker thread; say which task it was (the panic
            // itself goes on to the task's JoinHandle).
            let task = context::with_current_record(|r| introspect::task_label(r.id, r.name()));
            if let Some(task) = task {
                eprintln!("executor: panic in {task}; its JoinHandle gets it as a JoinError");
            }
            previous(info);
        }));
    });
}

/// Registers, once per process, an `atexit` hook that holds `exit` while a fatal dump is
/// being written (I6): `main` returning, or `exit` on another thread, would otherwise end the
/// process with status 0 and half a dump.
#[cfg(not(miri))]
pub(crate) fn install_exit_hold() {
    extern "C" fn hold() {
        crate::freeze::hold_at_exit();
    }
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `atexit` stores a function pointer with no preconditions; `hold` is an
        // `extern "C" fn()` that never unwinds (it only reads atomics and thread-locals
        // without destructors, and sleeps). A full table (non-zero return) only loses the
        // hold, which is reported.
        if unsafe { libc::atexit(hold) } != 0 {
            eprintln!("executor: could not register the exit hook; an exit during a fatal dump may cut it short");
        }
    });
}

/// The location and backtrace the hook recorded for the panic being handled on this thread.
pub(crate) fn take_last_panic() -> LastPanic {
    LAST_PANIC.with(|p| std::mem::take(&mut *p.borrow_mut()))
}
