//! The stall watchdog (Go's sysmon, as an opt-in observer): warns about a task that holds its
//! worker in one poll for longer than a threshold, before anyone needs `SIGQUIT`.
//!
//! Rules:
//! 1. One thread per runtime that asks for it, looking a few times per threshold; it reads
//!    each worker's current poll (`WorkerShared::current_poll`: task and start, written by the
//!    worker on every poll anyway) and nothing else on the poll path.
//! 2. One warning per stalled poll, with the task's id, name, spawn site, time in poll and the
//!    worker's native stack (`stack.rs`); one more line when that poll ends, with its length.
//! 3. While a poll stalls, tasks scheduled but not polled for longer than the threshold are
//!    named once each: starved behind the stall.
//! 4. With `stall_fatal`, a poll longer than that is a fatal error: the full dump.
//! 5. It stands still during a fatal dump and exits with the runtime.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::Weak;
use std::time::Duration;

use introspect::{render, HumanDuration, TaskId};

use crate::clock;
use crate::frames::{self, Symbolizer};
use crate::loom_sync::Arc;
use crate::scheduler::Shared;
use crate::stack;
use crate::task::record::{Row, StateKind};

/// Thresholds of one runtime's watchdog.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thresholds {
    pub(crate) warning: Option<Duration>,
    pub(crate) fatal: Option<Duration>,
}

/// Starts the watchdog of `shared`, if its configuration asks for one.
pub(crate) fn start(shared: &Arc<Shared>) {
    let t = Thresholds {
        warning: shared.config.stall_warning,
        fatal: shared.config.stall_fatal,
    };
    let Some(shortest) = [t.warning, t.fatal].into_iter().flatten().min() else {
        return;
    };
    let weak = Arc::downgrade(shared);
    let started = std::thread::Builder::new()
        .name("executor-watchdog".to_owned())
        .spawn(move || watch(&weak, t, shortest));
    if let Err(e) = started {
        eprintln!("executor: no stall watchdog: could not start its thread: {e}");
    }
}

/// A stalled poll already reported: its task and start, and how the warning named the task.
type Warned = (TaskId, u64, String);

fn watch(shared: &Weak<Shared>, t: Thresholds, shortest: Duration) {
    // A few looks per threshold, never busier than every millisecond (rule 1).
    let period = (shortest / 4).clamp(Duration::from_millis(1), Duration::from_millis(250));
    let mut warned: HashMap<usize, Warned> = HashMap::new();
    let mut starved: HashSet<TaskId> = HashSet::new();
    let mut symbolizer = Symbolizer::new();
    // Reading the debug info the first time takes a while (it is cached process-wide): on a
    // thread of its own, so the first looks are not late, and the first warning finds it read.
    let _ = std::thread::Builder::new()
        .name("executor-watchdog-warmup".to_owned())
        .spawn(|| drop(Symbolizer::new().frames_of(&[watch as *const () as usize + 1])));
    loop {
        std::thread::sleep(period);
        crate::freeze::hold();
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if shared.is_shutdown() {
            return;
        }
        let now = clock::now();
        let mut stalls = Vec::new();
        for (w, worker) in shared.workers.iter().enumerate() {
            let current = worker.current_poll();
            // Rule 2, second half: the poll warned about has ended.
            if let Some((task, start, _)) = warned.get(&w) {
                if current != Some((*task, *start)) {
                    let (task, start, label) = warned.remove(&w).expect("just seen");
                    poll_ended(&shared, task, start, &label, now);
                }
            }
            let Some((task, start)) = current else {
                continue;
            };
            let held = clock::between(start, now);
            if t.fatal.is_some_and(|limit| held > limit) {
                fatal(&shared, w, task, held);
            }
            if t.warning.is_some_and(|limit| held > limit) {
                let new = warned
                    .get(&w)
                    .is_none_or(|(t, s, _)| (*t, *s) != (task, start));
                stalls.push((w, task, start, held, new));
            }
        }
        // Starved tasks first: the scan is quick, the stall's stack is not.
        if let (false, Some(limit)) = (stalls.is_empty(), t.warning) {
            warn_starved(&shared, limit, now, &mut starved);
        }
        for (w, task, start, held, new) in stalls {
            if new {
                let label = warn_stall(&shared, w, task, held, &mut symbolizer);
                warned.insert(w, (task, start, label));
            }
        }
    }
}

/// The row of task `id`, found by a scan of the registry (only when there is something to
/// report, so its cost does not matter).
fn find(shared: &Shared, id: TaskId) -> Option<Row> {
    let mut found = None;
    shared.registry.rows(false, |row| {
        if row.id == id {
            found = Some(row);
        }
    });
    found
}

/// `task 12 "archive"`, the name escaped.
fn label(id: TaskId, row: Option<&Row>) -> String {
    introspect::task_label(id, row.and_then(|r| r.name.as_deref()))
}

fn spawned_at(row: Option<&Row>) -> String {
    row.map_or_else(String::new, |r| {
        let at = r.spawned_at;
        format!(
            " (spawned at {})",
            introspect::escape(
                &format!("{}:{}:{}", at.file(), at.line(), at.column()),
                1024
            )
        )
    })
}

/// Rule 2: one warning, with the worker's stack, written in one piece. Returns how it named
/// the task.
fn warn_stall(
    shared: &Shared,
    w: usize,
    task: TaskId,
    held: Duration,
    symbolizer: &mut Symbolizer,
) -> String {
    let row = find(shared, task);
    let name = label(task, row.as_ref());
    let mut text = format!(
        "executor: stall: {name} has held worker {w} for {} in one poll{}\n",
        HumanDuration(held),
        spawned_at(row.as_ref()),
    );
    let who = format!("worker {w}");
    let stack = match shared.workers[w].tid() {
        _ if !shared.config.stall_stacks => Err("not taken (stall_stacks is off)".to_owned()),
        Some(tid) => stack::capture(tid, &who, stack::ANSWER_BOUND),
        None => Err(format!("{who} has not started")),
    };
    match stack {
        Ok(ips) => {
            let mut frames = stack::resolve(ips, symbolizer);
            // Paths written like the spawn site (one style in all of the output).
            let known: Vec<String> = row.iter().map(|r| r.spawned_at.file().to_owned()).collect();
            frames::relativize_frames(&mut frames, &known);
            for line in render::stack_lines(&frames) {
                text.push_str(&format!("    {line}\n"));
            }
        }
        Err(reason) => text.push_str(&format!(
            "    stack unavailable: {}\n",
            introspect::escape(&reason, 1024)
        )),
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    name
}

/// Rule 2, the closing line: how long the poll took, exactly if the task's record still has
/// it as its longest poll, or at most until this look.
fn poll_ended(shared: &Shared, task: TaskId, start: u64, label: &str, now: u64) {
    let exact = find(shared, task)
        .filter(|r| r.longest_poll_end > start)
        .map(|r| HumanDuration(clock::to_duration(r.longest_poll)).to_string());
    let took =
        exact.unwrap_or_else(|| format!("at most {}", HumanDuration(clock::between(start, now))));
    let line = format!("executor: stall over: {label}'s poll ended after {took}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Rule 3.
fn warn_starved(shared: &Shared, limit: Duration, now: u64, starved: &mut HashSet<TaskId>) {
    let mut rows = Vec::new();
    shared.registry.rows(false, |row| {
        if row.state.kind() == StateKind::Scheduled && !starved.contains(&row.id) {
            rows.push(row);
        }
    });
    let mut text = String::new();
    for row in rows {
        let waited = clock::between(row.since, now);
        if waited > limit {
            starved.insert(row.id);
            text.push_str(&format!(
                "executor: starved: {} is scheduled but not polled for {}{}\n",
                label(row.id, Some(&row)),
                HumanDuration(waited),
                spawned_at(Some(&row)),
            ));
        }
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Rule 4.
fn fatal(shared: &Shared, w: usize, task: TaskId, held: Duration) -> ! {
    let row = find(shared, task);
    let message = format!(
        "stall: {} held worker {w} for {} in one poll (stall_fatal)",
        label(task, row.as_ref()),
        HumanDuration(held)
    );
    crate::fatal::claim();
    // No location: nothing was raised; the task's block has its stack.
    let reason = introspect::Reason::Fatal {
        message,
        location: None,
        task: Some(task),
    };
    crate::fatal::freeze_and_dump(reason, Some(task), None, None)
}
