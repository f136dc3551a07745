//! The block of a group of alike tasks (see `group`).
//!
//! The title says how many, what they are and which ids:
//! `99,998 tasks "conn-#" [idle, 1.20s..4.51s, mpsc # recv]: ids 3-50001, 50003-100002`.
//!
//! - The name is the members' name when they all have the same one, else their name pattern
//!   (`"conn-#"`, `#` standing for a number); the wait text likewise.
//! - Times and counters are shown as `min..max` (one value when all agree): a group is
//!   "the same kind of task", and the spread is what tells a stuck member from a slow one.
//! - Ids are compressed into ranges of consecutive ids, at most eight, then
//!   `… (+N more ranges)`; the JSON lists every task.
//! - The lines below the title are those of a task block (see `blocks`) for
//!   what the members share: their trace and stack (equal by construction), their last worker,
//!   joined task or awaited resource when they all agree, their spawn site, and `by task 1`
//!   when they share a parent or `by 3 tasks` when they do not.

use super::blocks::{self, line};
use super::dump::Dump;
use super::group::Group;
use super::labels::{self, thousands};
use crate::duration::HumanDuration;
use crate::escape::{escape, quote, LINE_LIMIT, NAME_LIMIT};
use crate::model::{TaskInfo, TaskState};
use std::collections::HashSet;
use std::fmt::{Display, Write as _};

/// Most id ranges a group title lists.
const RANGES_SHOWN: usize = 8;

pub(super) fn block(dump: &Dump<'_>, group: &Group<'_>) -> String {
    let first = group.first();
    let mut out = String::new();
    let _ = write!(out, "{}", blocks::tasks(group.tasks.len()));
    if let Some(name) = group.name() {
        let _ = write!(out, " {}", quote(&name, NAME_LIMIT));
    }
    let _ = write!(out, " [{}", labels::state(first));
    if matches!(first.state, TaskState::Idle | TaskState::Scheduled) {
        let (lo, hi) = group.span(|task| task.idle);
        let _ = write!(out, ", {}", range(HumanDuration(lo), HumanDuration(hi)));
    }
    if let Some(what) = group.what() {
        let _ = write!(out, ", {}", escape(&what, LINE_LIMIT));
    }
    let _ = writeln!(out, "]: ids {}", ids(group));

    if matches!(first.state, TaskState::Idle | TaskState::Scheduled) {
        if let Some(Some(worker)) = group.common(|task| task.last_worker) {
            line(&mut out, &format!("last polled on worker {worker}"));
        }
    }
    let traced = blocks::trace(&mut out, first.trace.as_ref());
    if let Some(Some(target)) = group.common(|task| task.wait.as_ref().and_then(|w| w.task)) {
        line(&mut out, &format!("waits for task {target}"));
    }
    if let Some(Some(resource)) = group.common(|task| task.wait.as_ref().and_then(|w| w.resource)) {
        blocks::holders(&mut out, dump, resource);
    }
    blocks::stack(&mut out, first.stack.as_ref(), traced);
    blocks::spawned(&mut out, first.spawned_at.as_ref(), &parents(group));
    line(&mut out, &stats(group));
    out
}

/// `3-50001, 50003-100002, 100005`, bounded.
fn ids(group: &Group<'_>) -> String {
    let ranges = group.id_ranges();
    let mut parts: Vec<String> = ranges
        .iter()
        .take(RANGES_SHOWN)
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    let more = ranges.len().saturating_sub(RANGES_SHOWN);
    if more > 0 {
        parts.push(format!("… (+{} more ranges)", thousands(more as u64)));
    }
    parts.join(", ")
}

/// ` by task 1`, ` (root)`, ` by 3 tasks` or ` by 2 tasks (some root)`.
fn parents(group: &Group<'_>) -> String {
    if let Some(parent) = group.common(|task| task.parent) {
        return match parent {
            Some(parent) => format!(" by task {parent}"),
            None if group.first().spawned_at.is_some() => " (root)".to_owned(),
            None => String::new(),
        };
    }
    let distinct: HashSet<_> = group.tasks.iter().filter_map(|task| task.parent).collect();
    let roots = group.tasks.iter().any(|task| task.parent.is_none());
    let mut by = format!(" by {}", blocks::tasks(distinct.len()));
    if roots {
        by.push_str(" (some root)");
    }
    by
}

fn stats(group: &Group<'_>) -> String {
    let span = |f: fn(&TaskInfo) -> u64| {
        let (lo, hi) = group.span(f);
        range(lo, hi)
    };
    let (busy_lo, busy_hi) = group.span(|task| task.busy);
    let longest = group
        .span_some(|task| task.longest_poll.map(|longest| longest.duration))
        .map_or_else(
            || "-".to_owned(),
            |(lo, hi)| range(HumanDuration(lo), HumanDuration(hi)),
        );
    format!(
        "polls {}, busy {}, longest poll {longest}, wakes {}, self-wakes {}",
        span(|task| task.polls),
        range(HumanDuration(busy_lo), HumanDuration(busy_hi)),
        span(|task| task.wakes),
        span(|task| task.self_wakes),
    )
}

/// `lo..hi`, or one value when both read the same.
pub(super) fn range(lo: impl Display, hi: impl Display) -> String {
    let (lo, hi) = (lo.to_string(), hi.to_string());
    if lo == hi {
        lo
    } else {
        format!("{lo}..{hi}")
    }
}
