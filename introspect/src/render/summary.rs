//! The closing line: how many tasks and workers, by state, and how many deadlocks.
//!
//! Only non-zero states are listed, so the line stays short on a big dump; the totals always
//! appear, even when zero, so the line is never empty and `0 tasks` is explicit. The deadlock
//! count appears only when there is one: `· 1 deadlock`.

use super::dump::Dump;
use super::labels::{count, thousands};
use super::TextOptions;
use crate::model::Snapshot;

/// E.g. `5 tasks: 2 idle, 1 scheduled, 2 running (1 skipped) · 4 workers: 2 stopped, 2 running`.
/// Counts the whole snapshot whatever `options` shows, so a short dump still says what it left
/// out.
pub fn summary(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let totals = dump.totals();
    let n = |n: usize| thousands(u64::try_from(n).unwrap_or(u64::MAX));
    let running = if totals.skipped > 0 {
        format!(
            "{} running ({} skipped)",
            n(totals.running),
            n(totals.skipped)
        )
    } else {
        format!("{} running", n(totals.running))
    };
    let tasks = group(
        totals.tasks,
        "task",
        "tasks",
        &[
            (totals.idle, format!("{} idle", n(totals.idle))),
            (
                totals.scheduled,
                format!("{} scheduled", n(totals.scheduled)),
            ),
            (totals.running, running),
            (
                totals.completed,
                format!("{} completed", n(totals.completed)),
            ),
            (totals.panicked, format!("{} panicked", n(totals.panicked))),
        ],
    );
    let workers = group(
        totals.workers,
        "worker",
        "workers",
        &[
            (
                totals.workers_stopped,
                format!("{} stopped", n(totals.workers_stopped)),
            ),
            (
                totals.workers_running,
                format!("{} running", n(totals.workers_running)),
            ),
            (
                totals.workers_idle,
                format!("{} idle", n(totals.workers_idle)),
            ),
            (
                totals.workers_exited(),
                format!("{} exited", n(totals.workers_exited())),
            ),
        ],
    );
    if totals.deadlocks > 0 {
        let deadlocks = count(totals.deadlocks as u64, "deadlock", "deadlocks");
        format!("{tasks} · {workers} · {deadlocks}\n")
    } else {
        format!("{tasks} · {workers}\n")
    }
}

/// `N things: a, b` with only the non-zero parts.
fn group(total: usize, one: &str, many: &str, parts: &[(usize, String)]) -> String {
    let total = count(u64::try_from(total).unwrap_or(u64::MAX), one, many);
    let parts: Vec<&str> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(_, text)| text.as_str())
        .collect();
    if parts.is_empty() {
        total
    } else {
        format!("{total}: {}", parts.join(", "))
    }
}
