//! One block per task (or per group of alike tasks), in the spirit of a Go goroutine traceback.
//!
//! A block is a title line, then lines indented by four spaces, in this order, each only when
//! it has something to say:
//!
//! 1. `on worker 1 for 838ms, poll 3`: where a task inside a poll is being polled;
//! 2. `panicked at src/parser.rs:12:9: index out of bounds`;
//! 3. `last polled on worker 1`, for an idle or scheduled task;
//! 4. the await trace, outermost first (see `frames`), `waiting in <leaf>`,
//!    and what the waker check found, or `await trace unavailable: <reason>`;
//! 5. `waits for task 9` (a join) and `waits for mutex #4 held by task 3` (who holds the
//!    resource it is queued on, so the reader need not look it up);
//! 6. the native stack, innermost first, or `stack unavailable: <reason>`; headed by
//!    `native stack (innermost first):` only when an await trace was printed above it, so the
//!    two frame lists, which run in opposite directions, can never be read as one;
//! 7. for a single task, what it holds and how many are queued behind it:
//!    `holds mutex #4 for 1.85s (1 waiter)`, so the block of the task everyone waits for says
//!    so (at most eight lines, then `holds N more resources`);
//! 8. `spawned at src/main.rs:30:5 by task 1`;
//! 9. the counters.
//!
//! Every line starts with the renderer's own words (`at`, `in`, `(`, `waiting`, ...) and every
//! piece of user text in it is escaped, so no name, path or message can pass for another line.

use super::dump::Dump;
use super::group::Entry;
use super::labels::{self, and_list, count, location};
use super::{frames, group_block, Detail, TextOptions};
use crate::duration::HumanDuration;
use crate::escape::{escape, LINE_LIMIT, MESSAGE_LIMIT, NAME_LIMIT};
use crate::model::{
    Reason, ResourceId, Snapshot, SourceLocation, Stack, TaskInfo, TaskState, Trace, WakerCheck,
};
use std::fmt::Write as _;

/// Most holders named on a `waits for ... held by` line.
const HOLDERS_SHOWN: usize = 8;

/// The blocks of the tasks `options` shows, blank-line separated: the fatal task first, then
/// tasks inside a poll (running or panicked), then deadlocked tasks, then the rest by smallest
/// id. With [`TextOptions::group`], alike tasks (same state, name pattern, spawn site, wait
/// kind, await trace and stack) share one block titled with their count and ids, like
/// `99,998 tasks "conn-#" [idle, 1.20s..4.51s]: ids 3-50001, 50003-100002`; the fatal task,
/// tasks inside a poll, deadlocked tasks and tasks alone of their kind always have their own.
pub fn blocks(snapshot: &Snapshot, options: &TextOptions) -> String {
    section(&Dump::new(snapshot, options))
}

pub(super) fn section(dump: &Dump<'_>) -> String {
    let entries = dump.entries();
    if entries.is_empty() {
        return match dump.options.detail {
            Detail::FatalTaskOnly => "(no task raised the fatal error)\n".to_owned(),
            Detail::HeaderOnly | Detail::AllTasks => String::new(),
        };
    }
    let blocks: Vec<String> = entries
        .iter()
        .map(|entry| match entry {
            Entry::Task(task) => block(dump, task),
            Entry::Group(group) => group_block::block(dump, group),
        })
        .collect();
    blocks.join("\n")
}

/// Appends one block line: four spaces, `text`, a newline.
pub(super) fn line(out: &mut String, text: &str) {
    out.push_str("    ");
    out.push_str(text);
    out.push('\n');
}

fn block(dump: &Dump<'_>, task: &TaskInfo) -> String {
    let mut out = String::new();
    title(&mut out, dump.snapshot, task);
    if task.in_poll() {
        let mut text = format!("on {}", labels::poller(task.current_poller()));
        if let Some(running_for) = task.current_poll_time() {
            let _ = write!(text, " for {}", HumanDuration(running_for));
        }
        let _ = write!(text, ", poll {}", task.polls);
        line(&mut out, &text);
    }
    if let Some(panic) = &task.panic {
        let message = escape(&panic.message, MESSAGE_LIMIT);
        match &panic.location {
            Some(at) => line(
                &mut out,
                &format!("panicked at {}: {message}", location(at)),
            ),
            None => line(&mut out, &format!("panicked: {message}")),
        }
    } else if dump.snapshot.is_fatal_task(task) {
        // What the fatal task is doing: raising the error (its thread's backtrace is above).
        if let Reason::Fatal {
            location: Some(at), ..
        } = &dump.snapshot.reason
        {
            line(
                &mut out,
                &format!("raised the fatal error at {}", location(at)),
            );
        }
    }
    if matches!(task.state, TaskState::Idle | TaskState::Scheduled) {
        if let Some(worker) = task.last_worker {
            line(&mut out, &format!("last polled on worker {worker}"));
        }
    }
    let traced = trace(&mut out, task.trace.as_ref());
    if let Some(wait) = &task.wait {
        if let Some(target) = wait.task {
            line(&mut out, &format!("waits for task {target}"));
        }
        if let Some(resource) = wait.resource {
            holders(&mut out, dump, resource);
        }
    }
    stack(&mut out, task.stack.as_ref(), traced);
    held(&mut out, dump, task);
    let by = match task.parent {
        Some(parent) => format!(" by task {parent}"),
        None if task.spawned_at.is_some() => " (root)".to_owned(),
        None => String::new(),
    };
    spawned(&mut out, task.spawned_at.as_ref(), &by);
    let longest = match task.longest_poll {
        // The poll in progress is the longest so far: it has not ended.
        Some(longest) if task.in_poll() && longest.ago.is_zero() => {
            format!("{} (this poll)", HumanDuration(longest.duration))
        }
        Some(longest) => format!(
            "{} ({} ago)",
            HumanDuration(longest.duration),
            HumanDuration(longest.ago)
        ),
        None => "-".to_owned(),
    };
    let stats = format!(
        "polls {}, busy {}, longest poll {longest}, wakes {}, self-wakes {}",
        task.polls,
        HumanDuration(task.busy),
        task.wakes,
        task.self_wakes
    );
    line(&mut out, &stats);
    out
}

/// `task 7 "flush" [idle, 2.10s, mutex #4 lock]:`, marked when it raised the fatal error.
fn title(out: &mut String, snapshot: &Snapshot, task: &TaskInfo) {
    out.push_str(&crate::task_label(task.id, task.name.as_deref()));
    let _ = write!(out, " [{}", labels::state(task));
    if matches!(task.state, TaskState::Idle | TaskState::Scheduled) {
        let _ = write!(out, ", {}", HumanDuration(task.idle));
    }
    if let Some(wait) = &task.wait {
        let _ = write!(out, ", {}", escape(&wait.describe(), LINE_LIMIT));
    }
    out.push(']');
    if snapshot.is_fatal_task(task) {
        out.push_str(" (fatal error here)");
    }
    out.push_str(":\n");
}

/// The await trace lines (item 4 of the module docs); `true` if any line was written.
pub(super) fn trace(out: &mut String, trace: Option<&Trace>) -> bool {
    match trace {
        None => false,
        Some(Trace::Unavailable { reason }) => {
            line(
                out,
                &format!("await trace unavailable: {}", escape(reason, LINE_LIMIT)),
            );
            true
        }
        Some(Trace::Captured {
            frames,
            leaf,
            waker,
        }) => {
            for text in frames::lines(frames) {
                line(out, &text);
            }
            if let Some(leaf) = leaf {
                line(out, &format!("waiting in {}", escape(leaf, LINE_LIMIT)));
            }
            if frames.is_empty() && leaf.is_none() {
                // The stack is walked when a leaf takes the waker; a leaf that takes none,
                // or is ready, leaves nothing to show but the finding below.
                line(out, "(no stack: no leaf took the waker)");
            }
            match waker {
                WakerCheck::Kept => {}
                WakerCheck::NoWaker => line(
                    out,
                    "holds no waker: nothing can wake this task (a lost wakeup, or a leaf that \
                     keeps a waker from an earlier poll)",
                ),
                WakerCheck::ReadyNotWoken => line(out, "was ready but never woken"),
            }
            true
        }
    }
}

/// `waits for mutex #4 held by task 3`, when the resource is known and someone holds it.
pub(super) fn holders(out: &mut String, dump: &Dump<'_>, id: ResourceId) {
    let Some(resource) = dump.resource(id) else {
        return;
    };
    if resource.holders.is_empty() {
        return;
    }
    let mut names: Vec<String> = resource
        .holders
        .iter()
        .take(HOLDERS_SHOWN)
        .map(|holder| holder.task.to_string())
        .collect();
    let more = resource.holders.len().saturating_sub(HOLDERS_SHOWN);
    if more > 0 {
        names.push(format!("{more} more"));
    }
    let noun = if resource.holders.len() == 1 {
        "task"
    } else {
        "tasks"
    };
    let text = format!(
        "waits for {} {} held by {noun} {}",
        resource.kind,
        resource.id,
        and_list(&names)
    );
    line(out, &text);
}

/// `holds semaphore #2 (1 permit) for 3.60s (200 waiters)`, one line per resource held, at
/// most [`HOLDERS_SHOWN`] lines, then `holds 3 more resources`.
fn held(out: &mut String, dump: &Dump<'_>, task: &TaskInfo) {
    let held = dump.held_by(task.id);
    for (resource, holder) in held.iter().take(HOLDERS_SHOWN) {
        let mut text = format!("holds {} {}", resource.kind, resource.id);
        if let Some(mode) = &holder.mode {
            let _ = write!(text, " ({})", escape(mode, NAME_LIMIT));
        }
        let _ = write!(text, " for {}", HumanDuration(holder.held_for));
        if !resource.waiters.is_empty() {
            let n = u64::try_from(resource.waiters.len()).unwrap_or(u64::MAX);
            let _ = write!(text, " ({})", count(n, "waiter", "waiters"));
        }
        line(out, &text);
    }
    let more = held.len().saturating_sub(HOLDERS_SHOWN);
    if more > 0 {
        let more = u64::try_from(more).unwrap_or(u64::MAX);
        line(
            out,
            &format!("holds {}", count(more, "more resource", "more resources")),
        );
    }
}

/// The native stack lines (item 6 of the module docs).
pub(super) fn stack(out: &mut String, stack: Option<&Stack>, after_trace: bool) {
    match stack {
        None => {}
        Some(Stack::Unavailable { reason }) => line(
            out,
            &format!("stack unavailable: {}", escape(reason, LINE_LIMIT)),
        ),
        Some(Stack::Captured { frames }) => {
            if after_trace {
                line(out, "native stack (innermost first):");
            }
            for text in frames::stack_lines(frames) {
                line(out, &text);
            }
            if frames.is_empty() {
                line(out, "(native stack empty)");
            }
        }
    }
}

/// `spawned at src/main.rs:14:9` followed by `by`, or `spawned at <unknown>`.
pub(super) fn spawned(out: &mut String, site: Option<&SourceLocation>, by: &str) {
    let site = site.map_or_else(|| "<unknown>".to_owned(), location);
    line(out, &format!("spawned at {site}{by}"));
}

/// `3 tasks`, for the group titles.
pub(super) fn tasks(n: usize) -> String {
    count(u64::try_from(n).unwrap_or(u64::MAX), "task", "tasks")
}
