//! The wait-for graph: which waits are deadlocks, and how each cycle is reported.

mod common;

use common::{holder, ms, resource, snapshot_of, waiter};
use introspect::{
    deadlocks, Deadlock, Edge, ResourceId, ResourceInfo, ResourceKind, Snapshot, TaskId, TaskInfo,
    TaskState, Via,
};

fn idle(id: u64) -> TaskInfo {
    common::task(id, None, TaskState::Idle)
}

fn joins(id: u64, target: u64) -> TaskInfo {
    TaskInfo {
        wait: common::wait(&format!("join task {target}"), None, Some(target), ms(1)),
        ..idle(id)
    }
}

fn waits_on(id: u64, resource: u64) -> TaskInfo {
    TaskInfo {
        wait: common::wait(
            &format!("resource #{resource}"),
            Some(resource),
            None,
            ms(1),
        ),
        ..idle(id)
    }
}

fn mutex(id: u64, held_by: u64) -> ResourceInfo {
    resource(
        id,
        ResourceKind::Mutex,
        vec![holder(held_by, ms(1), None)],
        vec![],
    )
}

fn join(from: u64, to: u64) -> Edge {
    Edge {
        from: TaskId(from),
        to: TaskId(to),
        via: Via::Join,
    }
}

fn via(from: u64, to: u64, id: u64, kind: ResourceKind) -> Edge {
    Edge {
        from: TaskId(from),
        to: TaskId(to),
        via: Via::Resource {
            id: ResourceId(id),
            kind,
        },
    }
}

fn cycles(snapshot: &Snapshot) -> Vec<Vec<Edge>> {
    let found = deadlocks(snapshot);
    assert_eq!(found, snapshot.deadlocks());
    assert_eq!(snapshot.totals().deadlocks, found.len());
    found.into_iter().map(|deadlock| deadlock.edges).collect()
}

#[test]
fn no_waits_no_deadlock() {
    let snapshot = snapshot_of(vec![idle(1), idle(2), joins(3, 1)], vec![]);
    assert!(cycles(&snapshot).is_empty());
}

#[test]
fn join_cycle_starts_at_the_smallest_id() {
    let snapshot = snapshot_of(vec![joins(7, 3), joins(3, 5), joins(5, 7)], vec![]);
    assert_eq!(
        cycles(&snapshot),
        [vec![join(3, 5), join(5, 7), join(7, 3)]]
    );
}

#[test]
fn mutex_cycle() {
    let snapshot = snapshot_of(
        vec![waits_on(2, 4), waits_on(3, 5)],
        vec![mutex(4, 3), mutex(5, 2)],
    );
    assert_eq!(
        cycles(&snapshot),
        [vec![
            via(2, 3, 4, ResourceKind::Mutex),
            via(3, 2, 5, ResourceKind::Mutex)
        ]]
    );
}

#[test]
fn mixed_join_and_mutex() {
    let snapshot = snapshot_of(vec![waits_on(2, 4), joins(3, 2)], vec![mutex(4, 3)]);
    assert_eq!(
        cycles(&snapshot),
        [vec![via(2, 3, 4, ResourceKind::Mutex), join(3, 2)]]
    );
}

#[test]
fn a_running_task_breaks_the_cycle() {
    for state in [
        TaskState::Running,
        TaskState::Panicked,
        TaskState::Completed,
    ] {
        let mut running = joins(3, 2);
        running.state = state;
        let snapshot = snapshot_of(vec![waits_on(2, 4), running], vec![mutex(4, 3)]);
        assert!(cycles(&snapshot).is_empty(), "{state:?}");
    }
    // The scheduled state still counts: being queued is not releasing anything.
    let mut scheduled = joins(3, 2);
    scheduled.state = TaskState::Scheduled;
    let snapshot = snapshot_of(vec![waits_on(2, 4), scheduled], vec![mutex(4, 3)]);
    assert_eq!(cycles(&snapshot).len(), 1);
}

#[test]
fn a_task_missing_from_the_snapshot_breaks_the_cycle() {
    // Task 3 holds the mutex and is listed as waiting for 2, but its record is missing.
    let mut lock = mutex(4, 3);
    lock.waiters.push(waiter(2, "lock", ms(1)));
    let snapshot = snapshot_of(vec![joins(2, 3)], vec![lock]);
    assert!(cycles(&snapshot).is_empty());
}

#[test]
fn self_wait() {
    let snapshot = snapshot_of(vec![joins(9, 9), idle(1)], vec![]);
    assert_eq!(cycles(&snapshot), [vec![join(9, 9)]]);
}

#[test]
fn locking_a_mutex_it_holds_is_a_deadlock_with_itself() {
    let mut lock = mutex(4, 2);
    lock.waiters.push(waiter(2, "lock", ms(1)));
    let snapshot = snapshot_of(vec![waits_on(2, 4)], vec![lock]);
    assert_eq!(cycles(&snapshot), [vec![via(2, 2, 4, ResourceKind::Mutex)]]);
    let text = introspect::render::text(&snapshot, &Default::default());
    assert!(
        text.contains("deadlock: task 2 waits for mutex #4 held by task 2 (itself)"),
        "{text}"
    );
}

#[test]
fn a_rwlock_it_holds_blocks_it_only_in_an_excluding_mode() {
    let rwlock = |mode: &str, op: &str| {
        resource(
            5,
            ResourceKind::RwLock,
            vec![holder(2, ms(1), Some(mode))],
            vec![waiter(2, op, ms(1))],
        )
    };
    let itself = [vec![via(2, 2, 5, ResourceKind::RwLock)]];
    for (mode, op) in [("read", "write"), ("write", "read"), ("write", "write")] {
        let snapshot = snapshot_of(vec![waits_on(2, 5)], vec![rwlock(mode, op)]);
        assert_eq!(cycles(&snapshot), itself, "holds {mode}, asks {op}");
    }
    // Another read while reading is held up only by a queued writer, which the snapshot
    // cannot order: no claim.
    let snapshot = snapshot_of(vec![waits_on(2, 5)], vec![rwlock("read", "read")]);
    assert!(cycles(&snapshot).is_empty());
}

#[test]
fn holding_a_semaphore_permit_it_waits_for_is_not_an_edge() {
    // Edges go to holders other than the task itself: any other holder may give a permit back.
    let sem = resource(
        4,
        ResourceKind::Semaphore,
        vec![holder(2, ms(1), Some("1 permit"))],
        vec![waiter(2, "acquire", ms(1))],
    );
    let snapshot = snapshot_of(vec![waits_on(2, 4)], vec![sem]);
    assert!(cycles(&snapshot).is_empty());
}

#[test]
fn a_wait_among_others_is_never_stuck() {
    // A `select!` of a lock and a timer: the lock's cycle is no deadlock, the timer may fire.
    let mut a = waits_on(2, 40);
    a.wait.as_mut().unwrap().among_others = true;
    let snapshot = snapshot_of(vec![a, joins(3, 2)], vec![mutex(40, 3)]);
    assert!(cycles(&snapshot).is_empty());
    // The same without the other branch is a deadlock.
    let snapshot = snapshot_of(vec![waits_on(2, 40), joins(3, 2)], vec![mutex(40, 3)]);
    assert_eq!(cycles(&snapshot).len(), 1);
}

#[test]
fn two_disjoint_cycles_each_once() {
    let snapshot = snapshot_of(
        vec![
            joins(10, 11),
            joins(11, 10),
            waits_on(3, 40),
            joins(4, 3),
            // Queued behind the first cycle, but on no cycle itself.
            joins(12, 10),
        ],
        vec![mutex(40, 4)],
    );
    assert_eq!(
        cycles(&snapshot),
        [
            vec![via(3, 4, 40, ResourceKind::Mutex), join(4, 3)],
            vec![join(10, 11), join(11, 10)],
        ]
    );
}

#[test]
fn one_cycle_per_component_the_shortest_through_its_smallest_id() {
    // 1 -> 2 -> 3 -> 1 and 1 -> 4 -> 1: one component, reported by its shortest cycle.
    let mut one = waits_on(1, 50);
    one.wait.as_mut().unwrap().task = Some(TaskId(2));
    let snapshot = snapshot_of(
        vec![one, joins(2, 3), joins(3, 1), joins(4, 1)],
        vec![resource(
            50,
            ResourceKind::Mpsc,
            vec![holder(4, ms(1), None)],
            vec![],
        )],
    );
    assert_eq!(
        cycles(&snapshot),
        [vec![via(1, 4, 50, ResourceKind::Mpsc), join(4, 1)]]
    );
}

#[test]
fn rwlock_with_two_holders() {
    // The writer needs both readers gone; reader 6 waits for the writer, so the writer can
    // never get the lock, even though reader 7 is free to go.
    let lock = resource(
        8,
        ResourceKind::RwLock,
        vec![
            holder(6, ms(1), Some("read")),
            holder(7, ms(1), Some("read")),
        ],
        vec![waiter(5, "write", ms(1))],
    );
    let snapshot = snapshot_of(vec![idle(5), joins(6, 5), idle(7)], vec![lock.clone()]);
    assert_eq!(
        cycles(&snapshot),
        [vec![via(5, 6, 8, ResourceKind::RwLock), join(6, 5)]]
    );
    // Both readers waiting for the writer: still one cycle (one component), through 6.
    let snapshot = snapshot_of(vec![idle(5), joins(6, 5), joins(7, 5)], vec![lock]);
    let found = cycles(&snapshot);
    assert_eq!(
        found,
        [vec![via(5, 6, 8, ResourceKind::RwLock), join(6, 5)]]
    );
}

#[test]
fn a_semaphore_with_a_free_holder_is_no_deadlock() {
    // The pool has two holders; 2 waits for the waiter, but 3 will give its permit back.
    let pool = resource(
        1,
        ResourceKind::Semaphore,
        vec![holder(2, ms(1), None), holder(3, ms(1), None)],
        vec![waiter(9, "acquire", ms(1))],
    );
    let snapshot = snapshot_of(vec![idle(9), joins(2, 9), idle(3)], vec![pool.clone()]);
    assert!(cycles(&snapshot).is_empty());
    // Once every holder is stuck on the waiter, it is one, from the smallest id.
    let snapshot = snapshot_of(vec![idle(9), joins(2, 9), joins(3, 9)], vec![pool]);
    assert_eq!(
        cycles(&snapshot),
        [vec![join(2, 9), via(9, 2, 1, ResourceKind::Semaphore)]]
    );
}

#[test]
fn select_over_two_waits_is_stuck_only_if_both_are() {
    // Task 1 is queued on two mutexes at once (a `select!`): #10 held by 2 (which joins 1),
    // #11 held by 3 (free).
    let mut first = mutex(10, 2);
    first.waiters.push(waiter(1, "lock", ms(1)));
    let mut second = mutex(11, 3);
    second.waiters.push(waiter(1, "lock", ms(1)));
    let snapshot = snapshot_of(
        vec![idle(1), joins(2, 1), idle(3)],
        vec![first.clone(), second.clone()],
    );
    assert!(cycles(&snapshot).is_empty());
    let snapshot = snapshot_of(vec![idle(1), joins(2, 1), joins(3, 1)], vec![first, second]);
    assert_eq!(cycles(&snapshot).len(), 1);
}

#[test]
fn unknown_resources_and_targets_are_ways_out() {
    // Waits on a resource the snapshot does not list: nobody known holds it.
    let snapshot = snapshot_of(vec![waits_on(1, 99), joins(2, 1)], vec![]);
    assert!(cycles(&snapshot).is_empty());
    let snapshot = snapshot_of(vec![joins(1, 77)], vec![]);
    assert!(cycles(&snapshot).is_empty());
}

#[test]
fn waiter_lists_alone_make_edges_and_duplicates_count_once() {
    // No `wait` field at all: the resource's waiter lists say who waits.
    let mut a = mutex(1, 2);
    a.waiters.push(waiter(1, "lock", ms(1)));
    a.waiters.push(waiter(1, "lock", ms(1)));
    let mut b = mutex(2, 1);
    b.waiters.push(waiter(2, "lock", ms(1)));
    let snapshot = snapshot_of(vec![waits_on(1, 1), idle(2)], vec![a, b]);
    assert_eq!(
        cycles(&snapshot),
        [vec![
            via(1, 2, 1, ResourceKind::Mutex),
            via(2, 1, 2, ResourceKind::Mutex)
        ]]
    );
}

#[test]
fn long_chains_and_rings_need_no_recursion() {
    let n = if cfg!(miri) { 100 } else { 100_000 };
    // A chain ending in a free task: nothing is stuck.
    let mut tasks: Vec<TaskInfo> = (1..n).map(|id| joins(id, id + 1)).collect();
    tasks.push(idle(n));
    assert!(cycles(&snapshot_of(tasks.clone(), vec![])).is_empty());
    // Close it into a ring: one cycle of n waits, from task 1.
    tasks.pop();
    tasks.push(joins(n, 1));
    let found = cycles(&snapshot_of(tasks, vec![]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].len(), n as usize);
    assert_eq!(found[0][0], join(1, 2));
    assert_eq!(found[0][n as usize - 1], join(n, 1));
    let deadlock = Deadlock {
        edges: found[0].clone(),
    };
    assert_eq!(deadlock.tasks().count(), n as usize);
}

#[test]
fn the_text_dump_names_each_cycle_and_bounds_long_ones() {
    let mut tasks: Vec<TaskInfo> = (1..40).map(|id| joins(id, id + 1)).collect();
    tasks.push(joins(40, 1));
    let out = render(&snapshot_of(tasks, vec![]));
    let line = out.lines().find(|l| l.starts_with("deadlock: ")).unwrap();
    assert!(line.starts_with("deadlock: task 1 waits for task 2 (join); task 2 waits"));
    assert!(line.ends_with("; task 16 waits for task 17 (join); … (+24 more waits)"));
    assert!(out.ends_with("· 1 deadlock\n"));
}

fn render(snapshot: &Snapshot) -> String {
    introspect::render::text(snapshot, &introspect::render::TextOptions::default())
}
