//! One block per task, in the spirit of a Go goroutine traceback.
//!
//! Lines written by the renderer are indented by four spaces, await trace lines (user text) by
//! eight under a heading, so a trace line can never pass for a `spawned at` or stats line.

use super::labels::{self, count, spawn_site};
use super::{order, Detail, TextOptions};
use crate::duration::HumanDuration;
use crate::escape::{bound_lines, escape, lines_marker, quote, LINE_LIMIT, NAME_LIMIT};
use crate::model::{Snapshot, TaskInfo, TaskState};
use std::fmt::Write as _;

/// The blocks of the tasks `detail` shows, blank-line separated: the fatal task first, then
/// running tasks, then the rest by id.
pub fn blocks(snapshot: &Snapshot, options: &TextOptions) -> String {
    let tasks = order::block_order(snapshot, options.detail);
    if tasks.is_empty() {
        return match options.detail {
            Detail::FatalTaskOnly => "(no task raised the fatal error)\n".to_owned(),
            Detail::HeaderOnly | Detail::AllTasks => String::new(),
        };
    }
    let blocks: Vec<String> = tasks.iter().map(|task| block(snapshot, task)).collect();
    blocks.join("\n")
}

// Writing to a `String` cannot fail: the results of `write!` below are ignored.
fn block(snapshot: &Snapshot, task: &TaskInfo) -> String {
    let mut out = String::new();
    title(&mut out, snapshot, task);
    let skipped = match task.state {
        TaskState::Running { worker } => {
            running(&mut out, task, worker);
            task.skipped
        }
        _ => false,
    };
    // I4: a skipped task's trace was not read, so there is nothing to print.
    if !skipped {
        trace(&mut out, task);
    }
    spawned(&mut out, task);
    let _ = writeln!(
        out,
        "    polls {}, busy {}, wakes {}, self-wakes {}",
        task.polls,
        HumanDuration(task.busy),
        task.wakes,
        task.self_wakes
    );
    out
}

/// `task 7 "accept-loop" [idle, 2.10s]:`, marked when it raised the fatal error.
fn title(out: &mut String, snapshot: &Snapshot, task: &TaskInfo) {
    let _ = write!(out, "task {}", task.id);
    if let Some(name) = &task.name {
        let _ = write!(out, " {}", quote(name, NAME_LIMIT));
    }
    let _ = write!(out, " [{}", labels::state(task));
    if matches!(task.state, TaskState::Idle | TaskState::Scheduled) {
        let _ = write!(out, ", {}", HumanDuration(task.idle));
    }
    out.push(']');
    if order::is_fatal(snapshot, task) {
        out.push_str(" (fatal error here)");
    }
    out.push_str(":\n");
}

/// `on worker 3 for 1.20s, 4 polls, trace unavailable`: what atomics alone can tell.
fn running(out: &mut String, task: &TaskInfo, worker: Option<usize>) {
    match worker {
        Some(index) => {
            let _ = write!(out, "    on worker {index}");
        }
        None => out.push_str("    on block_on thread"),
    }
    if let Some(running_for) = task.running_for {
        let _ = write!(out, " for {}", HumanDuration(running_for));
    }
    let _ = write!(out, ", {}", count(task.polls, "poll", "polls"));
    if task.skipped {
        out.push_str(", trace unavailable");
    }
    out.push('\n');
}

fn trace(out: &mut String, task: &TaskInfo) {
    match &task.trace {
        // A finished task awaits nothing: saying "no trace" would only be noise.
        None if task.state == TaskState::Completed => {}
        None => out.push_str("    (no await trace captured)\n"),
        Some(lines) if lines.is_empty() => out.push_str("    (await trace empty)\n"),
        Some(lines) => {
            out.push_str("    await trace (innermost last):\n");
            let (kept, omitted) = bound_lines(lines);
            for line in kept {
                // Trimmed so that no line of the dump ends in spaces.
                let line = format!("        {}", escape(line, LINE_LIMIT));
                out.push_str(line.trim_end());
                out.push('\n');
            }
            if omitted > 0 {
                let _ = writeln!(out, "        {}", lines_marker(omitted));
            }
        }
    }
}

/// `spawned at src/main.rs:14:9 by task 1`, `... (root)` or `spawned at <unknown>`.
fn spawned(out: &mut String, task: &TaskInfo) {
    match &task.spawned_at {
        Some(site) => {
            let _ = write!(out, "    spawned at {}", spawn_site(site));
        }
        None => out.push_str("    spawned at <unknown>"),
    }
    match task.parent {
        Some(parent) => {
            let _ = write!(out, " by task {parent}");
        }
        None if task.spawned_at.is_some() => out.push_str(" (root)"),
        None => {}
    }
    out.push('\n');
}
