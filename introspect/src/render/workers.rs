//! One line per worker thread, so a reader can match "running on worker 3" to a thread name.

use super::labels::count;
use super::{Detail, TextOptions};
use crate::escape::{quote, NAME_LIMIT};
use crate::model::{Snapshot, WorkerInfo, WorkerState};
use std::fmt::Write as _;

/// `workers:` and one line per worker, by index; empty without workers or unless `detail` is
/// [`Detail::AllTasks`].
pub fn workers(snapshot: &Snapshot, options: &TextOptions) -> String {
    if options.detail != Detail::AllTasks || snapshot.workers.is_empty() {
        return String::new();
    }
    let mut workers: Vec<&WorkerInfo> = snapshot.workers.iter().collect();
    workers.sort_by_key(|worker| worker.index);
    let mut out = String::from("workers:\n");
    for worker in workers {
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            out,
            "    worker {} {}: {}, {}, {} queued",
            worker.index,
            quote(&worker.thread_name, NAME_LIMIT),
            state(worker.state),
            count(worker.ticks, "tick", "ticks"),
            worker.local_queue_len,
        );
    }
    out
}

fn state(state: WorkerState) -> String {
    match state {
        WorkerState::Running { task } => format!("running task {task}"),
        WorkerState::Searching => "searching".to_owned(),
        WorkerState::Parked => "parked".to_owned(),
        WorkerState::Stopped => "stopped".to_owned(),
        WorkerState::Exited => "exited".to_owned(),
    }
}
