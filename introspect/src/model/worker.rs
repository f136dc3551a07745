//! One worker thread, as seen from outside.

use super::task::TaskId;

/// What a worker thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerState {
    /// Polling the given task (or, if that task panicked, unwinding out of its poll).
    Running {
        /// The task being polled.
        task: TaskId,
    },
    /// Looking for work (its own queue, the injector, other workers).
    Searching,
    /// Parked, waiting to be woken.
    Parked,
    /// Stopped by the freeze; it will not run another task.
    Stopped,
    /// Exited (the runtime is shutting down).
    Exited,
}

/// One worker thread, so a reader can match "on worker 3" with a thread name in a debugger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerInfo {
    /// Index of the worker within its runtime.
    pub index: usize,
    /// The thread's name (unescaped).
    pub thread_name: String,
    /// What it is doing.
    pub state: WorkerState,
    /// Scheduling ticks (one per task picked).
    pub ticks: u64,
    /// Tasks waiting for this worker: its local queue and its next-task (LIFO) slot, where a
    /// task spawned or woken by its current poll waits. Other workers can steal from the
    /// queue, not from the slot.
    pub local_queue_len: usize,
}
