//! Short words shared by every section (and by the JSON where it spells the same thing), so
//! that the table, the blocks, the worker list and the summary always agree.

use crate::escape::{escape, LINE_LIMIT};
use crate::model::{Policy, Poller, SourceLocation, TaskInfo, TaskState};

/// `idle`, `scheduled`, `running`, `running, skipped`, `completed` or `panicked`.
pub(super) fn state(task: &TaskInfo) -> &'static str {
    match task.state {
        TaskState::Running if task.is_skipped() => "running, skipped",
        state => state_word(state),
    }
}

/// The state alone, as the JSON spells it.
pub(super) fn state_word(state: TaskState) -> &'static str {
    match state {
        TaskState::Idle => "idle",
        TaskState::Scheduled => "scheduled",
        TaskState::Running => "running",
        TaskState::Completed => "completed",
        TaskState::Panicked => "panicked",
    }
}

/// `freeze` or `no_freeze`, the spelling of the config and the JSON.
pub(super) fn policy(policy: Policy) -> &'static str {
    match policy {
        Policy::Freeze => "freeze",
        Policy::NoFreeze => "no_freeze",
    }
}

/// `file:line:column`, the file escaped.
pub(super) fn location(site: &SourceLocation) -> String {
    format!(
        "{}:{}:{}",
        escape(&site.file, LINE_LIMIT),
        site.line,
        site.column
    )
}

/// `worker 1` or `block_on thread`, or `unknown thread` for a task in a poll whose runtime did
/// not say where.
pub(super) fn poller(poller: Option<Poller>) -> String {
    match poller {
        Some(Poller::Worker(index)) => format!("worker {index}"),
        Some(Poller::BlockOn) => "block_on thread".to_owned(),
        None => "unknown thread".to_owned(),
    }
}

/// The table's WORKER cell: the worker index, `block_on`, or `-` for a task not in a poll.
pub(super) fn worker_cell(task: &TaskInfo) -> String {
    match task.current_poller() {
        Some(Poller::Worker(index)) => index.to_string(),
        Some(Poller::BlockOn) => "block_on".to_owned(),
        None if task.in_poll() => "?".to_owned(),
        None => "-".to_owned(),
    }
}

/// `1 poll`, `4 polls`, `100,000 tasks`: a count of things, with thousands separators.
pub(super) fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// `99,998`: long counts are read at a glance, and nobody counts the digits of `99998`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `a`, `a and b`, `a, b and c`, for lists that read as a sentence.
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(99_998), "99,998");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn counts() {
        assert_eq!(count(1, "task", "tasks"), "1 task");
        assert_eq!(count(0, "task", "tasks"), "0 tasks");
        assert_eq!(count(12_345, "task", "tasks"), "12,345 tasks");
    }

    #[test]
    fn sentence_lists() {
        let items = |n: usize| -> Vec<String> { (1..=n).map(|i| format!("t{i}")).collect() };
        assert_eq!(and_list(&items(0)), "");
        assert_eq!(and_list(&items(1)), "t1");
        assert_eq!(and_list(&items(2)), "t1 and t2");
        assert_eq!(and_list(&items(3)), "t1, t2 and t3");
    }
}
