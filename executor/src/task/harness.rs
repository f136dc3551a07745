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
use crate::scheduler::Shared;
use crate::sync::{Arc, Ordering};
use crate::task::join::JoinError;
use crate::task::record::TaskRecord;

pin_project! {
    /// Wraps a user future for the scheduler.
    pub(crate) struct Harness<F> {
        #[pin]
        future: F,
        record: Arc<TaskRecord>,
        shared: Arc<Shared>,
    }

    impl<F> PinnedDrop for Harness<F> {
        fn drop(this: Pin<&mut Self>) {
            // The future is gone (completed or cancelled): the registry must stop keeping the
            // task alive through its waker (registry rule 3).
            this.shared.registry.forget_waker(this.record.slot);
        }
    }
}

impl<F> Harness<F> {
    pub(crate) fn new(future: F, record: Arc<TaskRecord>, shared: Arc<Shared>) -> Self {
        Harness {
            future,
            record,
            shared,
        }
    }
}

impl<F: Future> Future for Harness<F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let record: &TaskRecord = this.record;
        // Acquire pairs with the Release in `JoinHandle::abort`; nothing else is published,
        // but it keeps the flag's meaning obvious.
        if record.abort_requested.load(Ordering::Acquire) {
            record.on_complete();
            return Poll::Ready(Err(JoinError::cancelled(record.id)));
        }
        let fatal_panics = this.shared.config.task_panic == TaskPanic::Fatal;
        let start = record.since_ns();
        let result = {
            let _task = context::enter_task(record.id, fatal_panics);
            catch_unwind(AssertUnwindSafe(|| this.future.poll(cx)))
        };
        let end = crate::clock::now_ns();
        record.exit_poll(start, end);
        match result {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                record.on_complete();
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                if fatal_panics {
                    crate::fatal::task_panicked(record, payload.as_ref());
                }
                record.on_complete();
                Poll::Ready(Err(JoinError::panic(record.id, payload)))
            }
        }
    }
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
