//! The resources section: tokio-console's resources view, as text.
//!
//! One line per resource, under `resources:`:
//!
//! ```text
//!     mutex #4 (locked) created at src/db.rs:10:5: held by task 3 for 1.20s; 2 waiters: task 2 lock (1.10s), task 5 lock (900ms)
//! ```
//!
//! - The kind and id as tasks' wait texts name it, the detail in parentheses, the creation
//!   site; then the holders (`held by task 3 (write) for 1.20s, ...` or `no holder`) and the
//!   waiters (`N waiters: task 2 lock (1.10s), ...` or `no waiters`), each list cut after
//!   [`LIST_SHOWN`] entries with `+N more`.
//! - Resources on a deadlock cycle come first, then those with waiters (where the contention
//!   is), then the rest, each by id; at most [`LINES_LIMIT`] lines, then `…(+N lines)`.

use super::dump::Dump;
use super::labels::{count, location};
use super::{Detail, TextOptions};
use crate::duration::HumanDuration;
use crate::escape::{escape, lines_marker, LINES_LIMIT, LINE_LIMIT, NAME_LIMIT};
use crate::graph::Via;
use crate::model::{ResourceId, ResourceInfo, Snapshot};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Most holders, and most waiters, listed on a resource's line.
const LIST_SHOWN: usize = 8;

/// The resources section; empty without resources or unless `options` shows every task.
pub fn resources(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let snapshot = dump.snapshot;
    if dump.options.detail != Detail::AllTasks || snapshot.resources.is_empty() {
        return String::new();
    }
    let in_cycle: HashSet<ResourceId> = dump
        .deadlocks()
        .iter()
        .flat_map(|cycle| &cycle.edges)
        .filter_map(|edge| match edge.via {
            Via::Resource { id, .. } => Some(id),
            Via::Join => None,
        })
        .collect();
    let mut resources: Vec<&ResourceInfo> = snapshot.resources.iter().collect();
    resources.sort_by_key(|r| (!in_cycle.contains(&r.id), r.waiters.is_empty(), r.id));
    let mut out = String::from("resources:\n");
    for resource in resources.iter().take(LINES_LIMIT) {
        // Writing to a `String` cannot fail.
        let _ = writeln!(out, "    {}", entry(resource));
    }
    let more = resources.len().saturating_sub(LINES_LIMIT);
    if more > 0 {
        let _ = writeln!(out, "    {}", lines_marker(more));
    }
    out
}

fn entry(resource: &ResourceInfo) -> String {
    let mut out = format!("{} {}", resource.kind, resource.id);
    if let Some(detail) = &resource.detail {
        let _ = write!(out, " ({})", escape(detail, LINE_LIMIT));
    }
    if let Some(site) = &resource.created_at {
        let _ = write!(out, " created at {}", location(site));
    }
    out.push_str(": ");
    if resource.holders.is_empty() {
        out.push_str("no holder");
    } else {
        let holders = resource.holders.iter().map(|holder| {
            let mode = holder
                .mode
                .as_deref()
                .map(|mode| format!(" ({})", escape(mode, NAME_LIMIT)))
                .unwrap_or_default();
            format!(
                "task {}{mode} for {}",
                holder.task,
                HumanDuration(holder.held_for)
            )
        });
        let _ = write!(out, "held by {}", bounded(holders, resource.holders.len()));
    }
    out.push_str("; ");
    if resource.waiters.is_empty() {
        out.push_str("no waiters");
    } else {
        let waiters = resource.waiters.iter().map(|waiter| {
            format!(
                "task {} {} ({})",
                waiter.task,
                escape(&waiter.op, NAME_LIMIT),
                HumanDuration(waiter.waited)
            )
        });
        let n = u64::try_from(resource.waiters.len()).unwrap_or(u64::MAX);
        let _ = write!(
            out,
            "{}: {}",
            count(n, "waiter", "waiters"),
            bounded(waiters, resource.waiters.len())
        );
    }
    out
}

/// The first [`LIST_SHOWN`] items, comma separated, then `+N more`.
fn bounded(items: impl Iterator<Item = String>, len: usize) -> String {
    let mut shown: Vec<String> = items.take(LIST_SHOWN).collect();
    let more = len.saturating_sub(LIST_SHOWN);
    if more > 0 {
        shown.push(format!("+{more} more"));
    }
    shown.join(", ")
}
