//! The closing line: how many tasks and workers, by state.
//!
//! Only non-zero states are listed, so the line stays short on a big dump; the totals always
//! appear, even when zero, so the line is never empty and `0 tasks` is explicit.

use super::TextOptions;
use crate::model::Snapshot;

/// E.g. `5 tasks: 2 idle, 1 scheduled, 2 running (1 skipped) · 4 workers: 2 stopped, 2 running`.
/// Counts the whole snapshot whatever `detail` is, so a short dump still says what it left out.
pub fn summary(snapshot: &Snapshot, _options: &TextOptions) -> String {
    let totals = snapshot.totals();
    let running = if totals.skipped > 0 {
        format!("{} running ({} skipped)", totals.running, totals.skipped)
    } else {
        format!("{} running", totals.running)
    };
    let tasks = group(
        totals.tasks,
        "task",
        "tasks",
        &[
            (totals.idle, format!("{} idle", totals.idle)),
            (totals.scheduled, format!("{} scheduled", totals.scheduled)),
            (totals.running, running),
            (totals.completed, format!("{} completed", totals.completed)),
        ],
    );
    let workers = group(
        totals.workers,
        "worker",
        "workers",
        &[
            (
                totals.workers_stopped,
                format!("{} stopped", totals.workers_stopped),
            ),
            (
                totals.workers_running,
                format!("{} running", totals.workers_running),
            ),
            (totals.workers_idle, format!("{} idle", totals.workers_idle)),
            (
                totals.workers_exited(),
                format!("{} exited", totals.workers_exited()),
            ),
        ],
    );
    format!("{tasks} · {workers}\n")
}

/// `N things: a, b` with only the non-zero parts.
fn group(total: usize, one: &str, many: &str, parts: &[(usize, String)]) -> String {
    let noun = if total == 1 { one } else { many };
    let parts: Vec<&str> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(_, text)| text.as_str())
        .collect();
    if parts.is_empty() {
        format!("{total} {noun}")
    } else {
        format!("{total} {noun}: {}", parts.join(", "))
    }
}
