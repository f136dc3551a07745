//! The future every spawned task actually runs: the user's future plus abort, panic capture
//! and the end-of-poll accounting.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::config::TaskPanic;
use crate::context;
use crate::loom_sync::Ordering;
use crate::task::join::JoinError;
use crate::task::meta::TaskMeta;
use crate::task::record::TaskRecord;

pin_project! {
    /// Wraps a user future for the scheduler. It borrows the task's metadata, which async-task
    /// keeps in the same allocation for longer than the future (see `spawn.rs`): no reference
    /// count is touched per task for it.
    pub(crate) struct Harness<'m, F> {
        #[pin]
        future: F,
        meta: &'m TaskMeta,
    }

    impl<F> PinnedDrop for Harness<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            // The future is gone (completed or cancelled): nothing may keep the task alive
            // through the record's waker any more (see `TaskRecord::take_waker`).
            drop(this.meta.record().take_waker());
        }
    }
}

impl<'m, F> Harness<'m, F> {
    pub(crate) fn new(future: F, meta: &'m TaskMeta) -> Self {
        Harness { future, meta }
    }
}

impl<F: Future> Future for Harness<'_, F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let meta: &TaskMeta = this.meta;
        let record = meta.record();
        // The one check the hot path pays for await traces: one relaxed load while nobody
        // traces.
        if crate::trace::in_trace_poll() {
            return crate::trace::poll_for_trace(this.future, record, &meta.shared, cx);
        }
        // Acquire pairs with the Release in `JoinHandle::abort`; nothing else is published,
        // but it keeps the flag's meaning obvious.
        if record.abort_requested.load(Ordering::Acquire) {
            record.on_complete();
            return Poll::Ready(Err(JoinError::cancelled(
                record.id,
                record.name().map(Into::into),
            )));
        }
        let fatal_panics = meta.shared.config.task_panic == TaskPanic::Fatal;
        let start = record.since();
        let result = {
            let _task = context::enter_task(record, fatal_panics);
            catch_unwind(AssertUnwindSafe(|| this.future.poll(cx)))
        };
        if fatal_panics && result.is_err() {
            // Still inside the poll as far as the dump is concerned: the task is shown
            // `panicked` on this worker, not idle.
            record.on_fatal_panic();
        } else {
            record.exit_poll(start, crate::clock::poll_end());
        }
        match result {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(finish(record, Ok(output))),
            Err(payload) => {
                if fatal_panics {
                    crate::fatal::panicked(
                        record,
                        &format!("task {}", record.id),
                        payload.as_ref(),
                    );
                }
                Poll::Ready(finish(record, Err(payload)))
            }
        }
    }
}

/// The task's future returned or panicked (on a worker, or in a trace poll): the record says
/// completed, and a panic becomes the `JoinError` its handle gets.
pub(crate) fn finish<T>(
    record: &TaskRecord,
    result: std::thread::Result<T>,
) -> Result<T, JoinError> {
    record.on_complete();
    result.map_err(|payload| JoinError::panic(record.id, record.name().map(Into::into), payload))
}

/// The text of a panic payload, when it is a string (as `panic!` makes it).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
