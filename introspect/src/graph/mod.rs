//! The wait-for graph and its cycles: [`deadlocks`].
//!
//! A task waits for other tasks: the one it joins, or the holders of the resource it is queued
//! on. When those waits go round in a circle, none of the tasks on it can ever move again, and
//! that circle is the first thing a reader of a hung service wants to see.
//!
//! The rules, in the order they are applied:
//!
//! 1. Only tasks present in the snapshot and [`Idle`](crate::TaskState::Idle) or
//!    [`Scheduled`](crate::TaskState::Scheduled) take part. A running task may still release what it
//!    holds; a panicked one is unwinding out of its poll and will drop its guards; a completed
//!    one waits for nothing and is ready to be joined; a task missing from the snapshot is of
//!    unknown state. Waiting on any of those is not waiting forever.
//! 2. A task's *requirements* are what it waits on: the task in `wait.task` (a join), the
//!    resource in `wait.resource`, and every resource whose `waiters` list it, each resource
//!    counted once. A requirement on a resource points at that resource's holders other than
//!    the task itself, except where its own hold is what blocks it (a mutex it holds; a
//!    rwlock it holds, when it asks to write or holds it for writing): then at itself too. An
//!    unknown resource, or one that nobody else holds, points at nothing.
//! 3. Requirements are alternatives: a task in a `select!` moves as soon as one of them is
//!    met. So a task is *stuck* only when every one of its requirements is stuck. A task
//!    whose wait is [`among_others`](crate::Wait::among_others) waited on things the snapshot
//!    does not know, so it has a way out and is never stuck.
//! 4. A join, and a resource that needs every holder to let go (mutex, rwlock, oneshot, watch,
//!    barrier), is stuck when **any** of its holders is stuck. A resource that any one holder
//!    can satisfy (semaphore: any release frees a permit; mpsc and notify: any sender) is stuck
//!    only when **all** of its holders are. A requirement that points at nothing is not stuck.
//! 5. The stuck tasks are the largest set closed under rules 3 and 4 (found by assuming every
//!    waiting task stuck and releasing, one at a time, those that have a way out). The edges of
//!    the graph go from a stuck task to each stuck task its requirements point at, each
//!    `(from, to, via)` once.
//! 6. Each strongly connected component of that graph with two tasks or more, or with a task
//!    waiting on itself, is one [`Deadlock`]: its shortest cycle through its smallest task id,
//!    starting there. Deadlocks come sorted by that id.
//!
//! Rules 3 and 4 are why this is more than "find the cycles": a connection-pool semaphore held
//! by eight tasks, one of which waits for the task queued on the pool, is a cycle but not a
//! deadlock, because the other seven will give their permits back. Stuck tasks that are not on
//! a cycle (queued behind one) are not reported as deadlocks: their blocks say what they wait
//! for.

mod cycles;
mod waits;

use crate::model::{ResourceId, ResourceKind, Snapshot, TaskId};

/// One wait-for cycle: tasks that wait for each other, so none of them can ever move again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Deadlock {
    /// The cycle's edges in order, starting at its smallest task id: each edge's `to` is the
    /// next edge's `from`, and the last edge's `to` is the first edge's `from`.
    pub edges: Vec<Edge>,
}

/// One wait of a cycle: `from` cannot move until `to` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edge {
    /// The waiting task.
    pub from: TaskId,
    /// The task it waits for.
    pub to: TaskId,
    /// Why it waits for it.
    pub via: Via,
}

/// Why one task waits for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// It awaits the other task's `JoinHandle`.
    Join,
    /// It is queued on a resource the other task holds.
    Resource {
        /// The resource.
        id: ResourceId,
        /// Its kind, so that a line can say `mutex #4` without looking it up.
        kind: ResourceKind,
    },
}

impl Deadlock {
    /// The tasks on the cycle, in cycle order, each once.
    pub fn tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.edges.iter().map(|edge| edge.from)
    }
}

impl Snapshot {
    /// The snapshot's wait-for cycles; see [`deadlocks`].
    pub fn deadlocks(&self) -> Vec<Deadlock> {
        deadlocks(self)
    }
}

/// The wait-for cycles of `snapshot`, one per deadlocked group of tasks, by the rules of the
/// module docs. Linear in the number of tasks, waits and holders, and without recursion, so a
/// chain of 100,000 joins is no problem.
pub fn deadlocks(snapshot: &Snapshot) -> Vec<Deadlock> {
    let graph = waits::Graph::new(snapshot);
    let stuck = graph.stuck();
    let edges = graph.stuck_edges(&stuck);
    let mut cycles: Vec<Deadlock> = cycles::components(&edges)
        .into_iter()
        .filter_map(|component| cycles::shortest_cycle(&graph.ids, &edges, &component))
        .collect();
    cycles.sort_by_key(|cycle| cycle.edges.first().map(|edge| edge.from));
    cycles
}
