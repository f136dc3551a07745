//! What a dump learns beyond the rows: the await traces of idle tasks (`trace/`) and the
//! native stacks of threads inside a poll (`stack.rs`), each after the rows were taken.
//!
//! Order matters: stacks first, right after the rows (under `Freeze`, the stack at the end of
//! the freeze wait; under `NoFreeze`, as close as possible to the rows), then traces, which
//! may take a while.

use introspect::{Stack, TaskInfo, TaskState, Trace};

use crate::frames::Symbolizer;
use crate::loom_sync::Arc;
use crate::scheduler::Shared;
use crate::snapshot::{task_info, View};
use crate::stack;
use crate::task::record::Row;
use crate::trace;

/// What to take besides the rows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extras {
    /// Await traces of idle tasks (trace polls).
    pub(crate) traces: bool,
    /// Native stacks of running tasks (signals).
    pub(crate) stacks: bool,
}

/// Converts `rows` (each with the index of its runtime in `runtimes`) into tasks, with the
/// extras asked for.
pub(crate) fn build_tasks(
    runtimes: &[Arc<Shared>],
    rows: Vec<(Row, usize)>,
    now: u64,
    view: View,
    extras: Extras,
    symbolizer: &mut Symbolizer,
) -> Vec<TaskInfo> {
    let first_workers: Vec<usize> = runtimes
        .iter()
        .scan(0, |first, s| {
            let this = *first;
            *first += s.workers.len();
            Some(this)
        })
        .collect();
    let mut targets = Vec::new();
    let mut traced = Vec::new();
    let mut threads = Vec::new();
    let mut tasks: Vec<TaskInfo> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (mut row, runtime))| {
            if let Some(target) = row.trace_target.take() {
                targets.push(target);
                traced.push(i);
            }
            if extras.stacks && row.state.in_poll() {
                let tid = match row.state.poller() {
                    Some(w) => runtimes[runtime].workers[w].tid(),
                    None => row.block_on.as_ref().map(|t| t.tid()),
                };
                let who = match row.state.poller() {
                    Some(w) => format!("worker {}", w + first_workers[runtime]),
                    None => "its block_on thread".to_owned(),
                };
                threads.push((i, tid, who));
            }
            task_info(row, now, view, first_workers[runtime])
        })
        .collect();
    let me = stack::current_tid();
    for (i, tid, who) in threads {
        // A task polled by this very thread (the fatal one, whose stack is the dump's
        // backtrace) is not asked.
        if tid == Some(me) || tasks[i].state != TaskState::Running {
            continue;
        }
        let stack = match tid.map(|tid| stack::capture(tid, &who, stack::ANSWER_BOUND)) {
            Some(Ok(ips)) => Stack::Captured {
                frames: stack::resolve(ips, symbolizer),
            },
            Some(Err(reason)) => Stack::Unavailable { reason },
            None => Stack::Unavailable {
                reason: format!("{who} has not started"),
            },
        };
        tasks[i].stack = Some(stack);
    }
    let outcomes = if extras.traces {
        trace::trace_all(targets, trace::Limits::DEFAULT)
    } else {
        Vec::new()
    };
    for (i, outcome) in traced.into_iter().zip(&outcomes) {
        tasks[i].trace = Some(trace::to_trace(outcome, symbolizer));
    }
    if matches!(view, View::Fatal(_)) {
        explain_untraced(&mut tasks, extras.traces);
    }
    tasks
}

/// In a fatal dump, says why an idle or scheduled task has no trace.
fn explain_untraced(tasks: &mut [TaskInfo], traces: bool) {
    for task in tasks {
        let why = match task.state {
            TaskState::Idle | TaskState::Scheduled if !traces => {
                "traces are off (Builder::await_traces, EXECUTOR_DEBUG=traces=0)"
            }
            TaskState::Scheduled => "scheduled: queued to run, so not traced",
            _ => continue,
        };
        task.trace.get_or_insert_with(|| Trace::Unavailable {
            reason: why.to_owned(),
        });
    }
}
