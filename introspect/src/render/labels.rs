//! Short words shared by the table and the blocks, so both always agree.

use crate::escape::{escape, LINE_LIMIT};
use crate::model::{Policy, SpawnSite, TaskInfo, TaskState};

/// `idle`, `scheduled`, `running`, `running, skipped` or `completed`.
pub(super) fn state(task: &TaskInfo) -> &'static str {
    match task.state {
        TaskState::Idle => "idle",
        TaskState::Scheduled => "scheduled",
        TaskState::Running { .. } if task.skipped => "running, skipped",
        TaskState::Running { .. } => "running",
        TaskState::Completed => "completed",
    }
}

/// `freeze` or `no_freeze`, the spelling of the config and the JSON.
pub(super) fn policy(policy: Policy) -> &'static str {
    match policy {
        Policy::Freeze => "freeze",
        Policy::NoFreeze => "no_freeze",
    }
}

/// `file:line:column`, the file escaped.
pub(super) fn spawn_site(site: &SpawnSite) -> String {
    format!(
        "{}:{}:{}",
        escape(&site.file, LINE_LIMIT),
        site.line,
        site.column
    )
}

/// `1 poll`, `4 polls`.
pub(super) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
