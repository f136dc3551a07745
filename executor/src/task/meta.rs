//! What async-task stores beside each task's future.

use crate::loom_sync::Arc;
use crate::registry::{RecordRef, SlotId};
use crate::scheduler::Shared;
use crate::task::record::TaskRecord;

/// The metadata of every spawned task: where its record is, and its runtime.
///
/// async-task keeps it in the task's allocation from spawn until the allocation is freed; its
/// `Drop` is where the task leaves the registry (registry rule 3). The record itself lives in
/// the registry's arena, out of reach of the `&mut` async-task takes to drop this.
#[derive(Debug)]
pub(crate) struct TaskMeta {
    record: RecordRef,
    slot: SlotId,
    /// The runtime that schedules the task.
    pub(crate) shared: Arc<Shared>,
}

impl TaskMeta {
    pub(crate) fn new(record: RecordRef, slot: SlotId, shared: Arc<Shared>) -> TaskMeta {
        TaskMeta {
            record,
            slot,
            shared,
        }
    }

    /// The task's record.
    pub(crate) fn record(&self) -> &TaskRecord {
        // SAFETY: registry rule 3: this metadata is alive for the borrow, and only its own
        // `Drop` removes the record.
        unsafe { self.record.get() }
    }

    /// A pointer to the record, for handles that keep the task alive themselves.
    pub(crate) fn record_ref(&self) -> RecordRef {
        self.record
    }
}

impl Drop for TaskMeta {
    fn drop(&mut self) {
        // SAFETY: the slot came from `insert` at spawn and this drop runs once; the task's
        // allocation is being freed, so no handle, waker or harness of the task can use the
        // record any more (registry rule 3).
        unsafe { self.shared.registry.remove(self.slot) };
    }
}

/// A task ready to be polled, as the scheduler queues it.
pub(crate) type Runnable = async_task::Runnable<TaskMeta>;
