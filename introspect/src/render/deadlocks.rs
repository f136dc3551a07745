//! The deadlock lines, right after the header: a cycle of tasks waiting for each other is the
//! first thing a reader of a hung service should see.
//!
//! One line per cycle (see [`crate::deadlocks`] for how they are found), each wait of the cycle
//! in order, starting at its smallest task id:
//! `deadlock: task 2 waits for mutex #4 held by task 3; task 3 waits for task 2 (join)`.
//! At most [`CYCLES_SHOWN`] lines, then `…(+N lines)`; at most [`WAITS_SHOWN`] waits per line,
//! then `… (+N more waits)`. The JSON lists every cycle in full.

use super::dump::Dump;
use super::{Detail, TextOptions};
use crate::escape::lines_marker;
use crate::graph::{Edge, Via};
use crate::model::Snapshot;
use std::fmt::Write as _;

/// Most cycles listed.
const CYCLES_SHOWN: usize = 32;

/// Most waits listed on one cycle's line.
const WAITS_SHOWN: usize = 16;

/// The deadlock lines; empty without deadlocks or when `options` shows only the header.
pub fn deadlocks(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    if dump.options.detail == Detail::HeaderOnly {
        return String::new();
    }
    let cycles = dump.deadlocks();
    let mut out = String::new();
    for cycle in cycles.iter().take(CYCLES_SHOWN) {
        let mut waits: Vec<String> = cycle.edges.iter().take(WAITS_SHOWN).map(wait).collect();
        let more = cycle.edges.len().saturating_sub(WAITS_SHOWN);
        if more > 0 {
            waits.push(format!("… (+{more} more waits)"));
        }
        // Writing to a `String` cannot fail.
        let _ = writeln!(out, "deadlock: {}", waits.join("; "));
    }
    let more = cycles.len().saturating_sub(CYCLES_SHOWN);
    if more > 0 {
        let _ = writeln!(out, "{}", lines_marker(more));
    }
    out
}

/// `task 2 waits for mutex #4 held by task 3`, or `task 3 waits for task 2 (join)`.
fn wait(edge: &Edge) -> String {
    match edge.via {
        Via::Join => format!("task {} waits for task {} (join)", edge.from, edge.to),
        Via::Resource { id, kind } => format!(
            "task {} waits for {kind} {id} held by task {}{}",
            edge.from,
            edge.to,
            if edge.from == edge.to {
                " (itself)"
            } else {
                ""
            }
        ),
    }
}
