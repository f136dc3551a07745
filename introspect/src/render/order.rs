//! Which tasks a dump shows, and in what order.
//!
//! The table lists running tasks first (they are the ones a hang or a crash is about), then
//! the rest by id. Blocks do the same but, as in Go, put the task that raised the fatal error
//! before everything else.

use super::Detail;
use crate::model::{Reason, Snapshot, TaskInfo, TaskState};

/// `true` for the task that raised the fatal error: flagged by the runtime, or named by the
/// reason (either is enough, so a runtime that fills only one is still rendered right).
pub(super) fn is_fatal(snapshot: &Snapshot, task: &TaskInfo) -> bool {
    task.fatal || matches!(snapshot.reason, Reason::Fatal { task: Some(id), .. } if id == task.id)
}

/// `true` while the task is inside `poll`.
pub(super) fn is_running(task: &TaskInfo) -> bool {
    matches!(task.state, TaskState::Running { .. })
}

/// The tasks `detail` shows, running first, then by id.
pub(super) fn table_order(snapshot: &Snapshot, detail: Detail) -> Vec<&TaskInfo> {
    let mut tasks = selected(snapshot, detail);
    // Stable, so duplicate ids (a runtime bug) keep their snapshot order.
    tasks.sort_by_key(|task| (!is_running(task), task.id));
    tasks
}

/// The tasks `detail` shows, the fatal task first, then running, then by id.
pub(super) fn block_order(snapshot: &Snapshot, detail: Detail) -> Vec<&TaskInfo> {
    let mut tasks = selected(snapshot, detail);
    tasks.sort_by_key(|task| (!is_fatal(snapshot, task), !is_running(task), task.id));
    tasks
}

fn selected(snapshot: &Snapshot, detail: Detail) -> Vec<&TaskInfo> {
    let tasks = snapshot.tasks.iter();
    match detail {
        Detail::HeaderOnly => Vec::new(),
        Detail::FatalTaskOnly => tasks.filter(|task| is_fatal(snapshot, task)).collect(),
        Detail::AllTasks => tasks.collect(),
    }
}
