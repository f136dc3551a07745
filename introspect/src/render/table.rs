//! The tokio-console-style table: one aligned row per task.

use super::labels::{self, spawn_site};
use super::{order, TextOptions};
use crate::duration::HumanDuration;
use crate::escape::quote_cell;
use crate::model::{Snapshot, TaskInfo, TaskState};

/// Widest name cell, quotes and `…` included; longer names are cut (the block shows more).
const NAME_WIDTH: usize = 32;

/// Column titles, and whether the column is right-aligned (numbers are).
const COLUMNS: [(&str, bool); 8] = [
    ("ID", true),
    ("STATE", false),
    ("NAME", false),
    ("WORKER", false),
    ("POLLS", true),
    ("BUSY", true),
    ("IDLE", true),
    ("SPAWNED AT", false),
];

/// The table of the tasks `detail` shows, running first then by id; empty when it shows none.
pub fn table(snapshot: &Snapshot, options: &TextOptions) -> String {
    let tasks = order::table_order(snapshot, options.detail);
    if tasks.is_empty() {
        return String::new();
    }
    let header = COLUMNS.map(|(title, _)| title.to_owned());
    let rows: Vec<[String; 8]> = tasks.iter().map(|task| row(task)).collect();
    let mut widths = [0; 8];
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

fn row(task: &TaskInfo) -> [String; 8] {
    let worker = match task.state {
        TaskState::Running { worker: None } => "block_on".to_owned(),
        TaskState::Running {
            worker: Some(index),
        } => index.to_string(),
        _ => task
            .worker
            .map_or_else(|| "-".to_owned(), |index| index.to_string()),
    };
    // Idle time means nothing while the task is inside `poll`.
    let idle = match task.state {
        TaskState::Running { .. } => "-".to_owned(),
        _ => HumanDuration(task.idle).to_string(),
    };
    [
        task.id.to_string(),
        labels::state(task).to_owned(),
        task.name
            .as_deref()
            .map_or_else(|| "-".to_owned(), |name| quote_cell(name, NAME_WIDTH)),
        worker,
        task.polls.to_string(),
        HumanDuration(task.busy).to_string(),
        idle,
        task.spawned_at
            .as_ref()
            .map_or_else(|| "<unknown>".to_owned(), spawn_site),
    ]
}

/// Appends one row, cells two spaces apart; the last column is not padded, so no line ends in
/// spaces.
fn line(out: &mut String, cells: &[String; 8], widths: &[usize; 8]) {
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
