//! Counting a snapshot: [`Snapshot::totals`].

use crate::model::{Snapshot, TaskState, Totals, WorkerState};

impl Snapshot {
    /// Counts tasks and workers by state, and the deadlocks.
    ///
    /// Computed on demand rather than stored, so it can never disagree with `tasks`, `workers`
    /// and [`Snapshot::deadlocks`]. `skipped` counts only running tasks, as that flag means
    /// nothing otherwise.
    pub fn totals(&self) -> Totals {
        Totals {
            deadlocks: self.deadlocks().len(),
            ..self.state_counts()
        }
    }

    /// [`Snapshot::totals`] without the deadlock count, for callers that already have the
    /// deadlocks and should not walk the wait-for graph twice.
    pub(crate) fn state_counts(&self) -> Totals {
        let mut totals = Totals {
            tasks: self.tasks.len(),
            workers: self.workers.len(),
            ..Totals::default()
        };
        for task in &self.tasks {
            match task.state {
                TaskState::Idle => totals.idle += 1,
                TaskState::Scheduled => totals.scheduled += 1,
                TaskState::Running => totals.running += 1,
                TaskState::Completed => totals.completed += 1,
                TaskState::Panicked => totals.panicked += 1,
            }
            totals.skipped += usize::from(task.is_skipped());
        }
        for worker in &self.workers {
            match worker.state {
                WorkerState::Running { .. } => totals.workers_running += 1,
                WorkerState::Searching | WorkerState::Parked => totals.workers_idle += 1,
                WorkerState::Stopped => totals.workers_stopped += 1,
                WorkerState::Exited => {}
            }
        }
        totals
    }
}

impl Totals {
    /// Workers that exited: the ones in no other worker count.
    pub fn workers_exited(&self) -> usize {
        self.workers
            .saturating_sub(self.workers_stopped)
            .saturating_sub(self.workers_running)
            .saturating_sub(self.workers_idle)
    }
}
