//! One line per worker thread, so a reader can match "on worker 3" to a thread name.

use super::dump::Dump;
use super::labels::count;
use super::{Detail, TextOptions};
use crate::escape::{quote, NAME_LIMIT};
use crate::model::{Snapshot, TaskId, TaskState, WorkerInfo, WorkerState};
use std::collections::HashSet;
use std::fmt::Write as _;

/// `workers:` and one line per worker, by index; empty without workers or unless `options`
/// shows every task. A worker whose task panicked reads `panicked in task 2`, not
/// `running task 2`, so the list agrees with the task's block.
pub fn workers(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let snapshot = dump.snapshot;
    if dump.options.detail != Detail::AllTasks || snapshot.workers.is_empty() {
        return String::new();
    }
    let panicked: HashSet<TaskId> = snapshot
        .tasks
        .iter()
        .filter(|task| task.state == TaskState::Panicked)
        .map(|task| task.id)
        .collect();
    let mut workers: Vec<&WorkerInfo> = snapshot.workers.iter().collect();
    workers.sort_by_key(|worker| worker.index);
    let mut out = String::from("workers:\n");
    for worker in workers {
        let state = match worker.state {
            WorkerState::Running { task } if panicked.contains(&task) => {
                format!("panicked in task {task}")
            }
            WorkerState::Running { task } => format!("running task {task}"),
            WorkerState::Searching => "searching".to_owned(),
            WorkerState::Parked => "parked".to_owned(),
            WorkerState::Stopped => "stopped".to_owned(),
            WorkerState::Exited => "exited".to_owned(),
        };
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            out,
            "    worker {} {}: {state}, {}, {} queued",
            worker.index,
            quote(&worker.thread_name, NAME_LIMIT),
            count(worker.ticks, "tick", "ticks"),
            worker.local_queue_len,
        );
    }
    out
}
