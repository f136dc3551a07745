//! Which tasks a dump shows, in what order, and which of them it shows as one group.
//!
//! Grouping is panicparse built in: a hung service with 100,000 connection tasks has a few
//! *kinds* of task, and the dump should show each kind once.
//!
//! 1. Two tasks are alike when they have the same state, name pattern (digit runs masked:
//!    `conn-42` -> `conn-#`), spawn site, wait kind (the wait text with numbers and durations
//!    masked: `sleep (1.2s left)` -> `sleep (# left)`), await trace (every frame's function and
//!    location, the leaf and the waker check, or the same unavailability reason) and stack.
//! 2. A task is always shown on its own when it is the fatal one, inside a poll (running or
//!    panicked), on a deadlock cycle, or alone of its kind: those are the ones a reader needs
//!    in full.
//! 3. Order, for the table and the blocks alike: the fatal task, then tasks inside a poll, then
//!    deadlocked tasks, then the rest (tasks and groups) by smallest id. Duplicate ids (a
//!    runtime bug) are all shown, in snapshot order.
//! 4. Grouping happens only when [`TextOptions::group`](super::TextOptions::group) is on and the
//!    dump shows every task; `EXECUTOR_TRACEBACK=single` shows one task, never a group.

use super::pattern::{name_pattern, wait_pattern};
use super::{Detail, TextOptions};
use crate::model::{Snapshot, SourceLocation, Stack, TaskId, TaskInfo, TaskState, Trace};
use std::collections::{HashMap, HashSet};

/// Something the table shows as a row and the blocks as a block.
#[derive(Debug)]
pub(super) enum Entry<'a> {
    /// One task, in full.
    Task(&'a TaskInfo),
    /// Two tasks or more that are alike.
    Group(Group<'a>),
}

/// Tasks that are alike (rule 1): what they share is read from any of them.
#[derive(Debug)]
pub(super) struct Group<'a> {
    /// The members, sorted by id; at least two.
    pub(super) tasks: Vec<&'a TaskInfo>,
}

/// What makes two tasks alike (rule 1).
#[derive(PartialEq, Eq, Hash)]
struct Key<'a> {
    /// The state: a group never mixes idle and scheduled tasks.
    state: TaskState,
    /// The name with its digit runs masked.
    name: Option<String>,
    /// The spawn site, exactly.
    spawned_at: Option<&'a SourceLocation>,
    /// The wait text with its numbers and durations masked.
    wait: Option<String>,
    /// The await trace, exactly (frames with their locations, leaf, waker check).
    trace: Option<&'a Trace>,
    /// The native stack, exactly.
    stack: Option<&'a Stack>,
}

impl<'a> Key<'a> {
    fn new(task: &'a TaskInfo) -> Self {
        Key {
            state: task.state,
            name: task.name.as_deref().map(name_pattern),
            spawned_at: task.spawned_at.as_ref(),
            wait: task
                .wait
                .as_ref()
                .map(|wait| wait_pattern(&wait.describe())),
            trace: task.trace.as_ref(),
            stack: task.stack.as_ref(),
        }
    }
}

/// The rank of rule 3: 0 fatal, 1 inside a poll, 2 deadlocked, 3 the rest.
fn rank(snapshot: &Snapshot, deadlocked: &HashSet<TaskId>, task: &TaskInfo) -> u8 {
    if snapshot.is_fatal_task(task) {
        0
    } else if task.in_poll() {
        1
    } else if deadlocked.contains(&task.id) {
        2
    } else {
        3
    }
}

/// The entries the dump shows for `options`, in order (rules 2 to 4).
pub(super) fn entries<'a>(
    snapshot: &'a Snapshot,
    options: &TextOptions,
    deadlocked: &HashSet<TaskId>,
) -> Vec<Entry<'a>> {
    let rank = |task: &TaskInfo| rank(snapshot, deadlocked, task);
    let tasks: Vec<&TaskInfo> = match options.detail {
        Detail::HeaderOnly => Vec::new(),
        Detail::FatalTaskOnly => snapshot
            .tasks
            .iter()
            .filter(|task| snapshot.is_fatal_task(task))
            .collect(),
        Detail::AllTasks => snapshot.tasks.iter().collect(),
    };
    let grouping = options.group && options.detail == Detail::AllTasks;
    // (rank, smallest id, snapshot position of the first member, entry)
    let mut entries: Vec<(u8, TaskId, usize, Entry<'a>)> = Vec::new();
    let mut kinds: HashMap<Key<'a>, Vec<(usize, &'a TaskInfo)>> = HashMap::new();
    for (position, task) in tasks.into_iter().enumerate() {
        let rank = rank(task);
        if grouping && rank == 3 {
            kinds
                .entry(Key::new(task))
                .or_default()
                .push((position, task));
        } else {
            entries.push((rank, task.id, position, Entry::Task(task)));
        }
    }
    for (_, mut members) in kinds {
        members.sort_by_key(|&(position, task)| (task.id, position));
        let (position, first) = members[0];
        let entry = if members.len() == 1 {
            Entry::Task(first)
        } else {
            Entry::Group(Group {
                tasks: members.into_iter().map(|(_, task)| task).collect(),
            })
        };
        entries.push((3, first.id, position, entry));
    }
    // The snapshot position breaks ties between equal ids (a runtime bug, kept visible), so the
    // order never depends on the hash map's.
    entries.sort_by_key(|&(rank, id, position, _)| (rank, id, position));
    entries.into_iter().map(|(_, _, _, entry)| entry).collect()
}

impl<'a> Group<'a> {
    /// Any member, to read what they all share.
    pub(super) fn first(&self) -> &'a TaskInfo {
        self.tasks[0]
    }

    /// The value of `f` if every member agrees on it.
    pub(super) fn common<T: PartialEq>(&self, f: impl Fn(&'a TaskInfo) -> T) -> Option<T> {
        let value = f(self.first());
        self.tasks[1..]
            .iter()
            .all(|task| f(task) == value)
            .then_some(value)
    }

    /// The smallest and largest value of `f` over the members.
    pub(super) fn span<T: Ord + Copy>(&self, f: impl Fn(&TaskInfo) -> T) -> (T, T) {
        let first = f(self.first());
        self.tasks
            .iter()
            .map(|task| f(task))
            .fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)))
    }

    /// The smallest and largest value of `f` over the members that have one.
    pub(super) fn span_some<T: Ord + Copy>(
        &self,
        f: impl Fn(&TaskInfo) -> Option<T>,
    ) -> Option<(T, T)> {
        self.tasks
            .iter()
            .filter_map(|task| f(task))
            .fold(None, |acc, v| {
                Some(acc.map_or((v, v), |(lo, hi): (T, T)| (lo.min(v), hi.max(v))))
            })
    }

    /// The members' name when they all have the same one, else their name pattern (unescaped);
    /// `None` for unnamed tasks.
    pub(super) fn name(&self) -> Option<String> {
        let name = self.first().name.as_deref()?;
        Some(match self.common(|task| task.name.as_deref()) {
            Some(_) => name.to_owned(),
            None => name_pattern(name),
        })
    }

    /// The members' wait text when they all have the same one, else its pattern (unescaped);
    /// `None` when they wait on nothing known.
    pub(super) fn what(&self) -> Option<String> {
        let what = self.first().wait.as_ref()?.describe().into_owned();
        Some(
            match self.common(|task| task.wait.as_ref().map(|w| w.describe())) {
                Some(_) => what,
                None => wait_pattern(&what),
            },
        )
    }

    /// The members' ids as ranges of consecutive ids: `[(3, 50001), (50003, 100002)]`.
    pub(super) fn id_ranges(&self) -> Vec<(u64, u64)> {
        let mut ranges: Vec<(u64, u64)> = Vec::new();
        for task in &self.tasks {
            let id = task.id.0;
            match ranges.last_mut() {
                Some((_, end)) if end.checked_add(1) == Some(id) || *end == id => *end = id,
                _ => ranges.push((id, id)),
            }
        }
        ranges
    }
}
