//! What async-task stores beside each task's future.

use crate::scheduler::Shared;
use crate::sync::Arc;
use crate::task::record::TaskRecord;

/// The metadata of every spawned task: its record and its runtime.
///
/// It lives exactly as long as the task's allocation, so its `Drop` is where the task leaves
/// the registry (registry rule 1).
#[derive(Debug)]
pub(crate) struct TaskMeta {
    /// The introspection record.
    pub(crate) record: Arc<TaskRecord>,
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
