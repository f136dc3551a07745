//! The tokio-console-style table: one aligned row per task, or per group of alike tasks.
//!
//! A group's row reads `3-100002 (×99,998)` in the ID column (smallest and largest id, and
//! how many: the block title lists the exact ranges), its name pattern in NAME, and `min..max`
//! in the number columns, like its block. The WORKER column is `-` for anything not inside a
//! poll: a suspended task runs nowhere, and its last worker is in its block.

use super::dump::Dump;
use super::group::{Entry, Group};
use super::group_block::range;
use super::labels::{self, thousands};
use super::TextOptions;
use crate::duration::HumanDuration;
use crate::escape::quote_cell;
use crate::model::{Snapshot, TaskInfo};

/// Widest name cell, quotes and `…` included; longer names are cut (the block shows more).
const NAME_WIDTH: usize = 32;

/// Column titles, and whether the column is right-aligned (numbers are).
const COLUMNS: [(&str, bool); 9] = [
    ("ID", true),
    ("STATE", false),
    ("NAME", false),
    ("WORKER", false),
    ("POLLS", true),
    ("BUSY", true),
    ("LONGEST", true),
    ("IDLE", true),
    ("SPAWNED AT", false),
];

type Row = [String; 9];

/// The table of the tasks `options` shows, in block order; empty when it shows none.
pub fn table(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let entries = dump.entries();
    if entries.is_empty() {
        return String::new();
    }
    let header: Row = COLUMNS.map(|(title, _)| title.to_owned());
    let rows: Vec<Row> = entries
        .iter()
        .map(|entry| match entry {
            Entry::Task(task) => task_row(task),
            Entry::Group(group) => group_row(group),
        })
        .collect();
    let mut widths = [0; 9];
    for cells in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for cells in std::iter::once(&header).chain(&rows) {
        line(&mut out, cells, &widths);
    }
    out
}

fn task_row(task: &TaskInfo) -> Row {
    [
        task.id.to_string(),
        labels::state(task).to_owned(),
        task.name
            .as_deref()
            .map_or_else(|| "-".to_owned(), |name| quote_cell(name, NAME_WIDTH)),
        labels::worker_cell(task),
        task.polls.to_string(),
        HumanDuration(task.busy).to_string(),
        task.longest_poll.map_or_else(
            || "-".to_owned(),
            |longest| HumanDuration(longest.duration).to_string(),
        ),
        task.idle_time()
            .map_or_else(|| "-".to_owned(), |idle| HumanDuration(idle).to_string()),
        spawned_at(task),
    ]
}

fn group_row(group: &Group<'_>) -> Row {
    let first = group.first();
    let (lo_id, hi_id) = group.span(|task| task.id.0);
    let duration = |lo, hi| range(HumanDuration(lo), HumanDuration(hi));
    let (polls_lo, polls_hi) = group.span(|task| task.polls);
    let (busy_lo, busy_hi) = group.span(|task| task.busy);
    let longest = group
        .span_some(|task| task.longest_poll.map(|longest| longest.duration))
        .map_or_else(|| "-".to_owned(), |(lo, hi)| duration(lo, hi));
    let idle = group
        .span_some(TaskInfo::idle_time)
        .map_or_else(|| "-".to_owned(), |(lo, hi)| duration(lo, hi));
    [
        format!("{lo_id}-{hi_id} (×{})", thousands(group.tasks.len() as u64)),
        labels::state(first).to_owned(),
        group
            .name()
            .map_or_else(|| "-".to_owned(), |name| quote_cell(&name, NAME_WIDTH)),
        labels::worker_cell(first),
        range(polls_lo, polls_hi),
        duration(busy_lo, busy_hi),
        longest,
        idle,
        spawned_at(first),
    ]
}

fn spawned_at(task: &TaskInfo) -> String {
    task.spawned_at
        .as_ref()
        .map_or_else(|| "<unknown>".to_owned(), labels::location)
}

/// Appends one row, cells two spaces apart; the last column is not padded, so no line ends in
/// spaces.
fn line(out: &mut String, cells: &Row, widths: &[usize; 9]) {
    let last = cells.len() - 1;
    for (i, ((cell, width), (_, right))) in cells.iter().zip(widths).zip(COLUMNS).enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        let pad = width.saturating_sub(cell.chars().count());
        if right {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(cell);
        } else {
            out.push_str(cell);
            if i != last {
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
    }
    out.push('\n');
}
