//! What async-task stores beside each task's future.

use crate::scheduler::Shared;
use crate::sync::Arc;
use crate::task::record::TaskRecord;

/// The metadata of every spawned task: its record and its runtime.
///
/// async-task keeps it in the task's allocation, at a fixed address, from spawn until the
/// allocation is freed; the registry points at the record inside it, and its `Drop` is where
/// the task leaves the registry (registry rule 1).
#[derive(Debug)]
pub(crate) struct TaskMeta {
    /// The introspection record.
    pub(crate) record: TaskRecord,
    /// The runtime that schedules the task.
    pub(crate) shared: Arc<Shared>,
}

impl Drop for TaskMeta {
    fn drop(&mut self) {
        self.shared.registry.remove(self.record.slot);
    }
}

/// A task ready to be polled, as the scheduler queues it.
pub(crate) type Runnable = async_task::Runnable<TaskMeta>;
