//! Invariants checked on many pseudo-random snapshots (a fixed seed, so failures reproduce):
//! rendering never panics, the grouped text shows every task exactly once, and every reported
//! deadlock is a real, closed cycle of waits the snapshot states.

mod common;

use common::{frame, holder, ms, resource, snapshot_of, trace, waiter};
use introspect::render::{self, Detail, TextOptions};
use introspect::{
    is_hidden, Poller, ResourceInfo, ResourceKind, Snapshot, TaskId, TaskInfo, TaskState, Via,
    WakerCheck,
};
use std::collections::HashSet;

/// xorshift64*: small, deterministic, good enough to shuffle test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const STATES: [TaskState; 6] = [
    TaskState::Idle,
    TaskState::Idle,
    TaskState::Scheduled,
    TaskState::Running,
    TaskState::Completed,
    TaskState::Panicked,
];
const KINDS: [ResourceKind; 4] = [
    ResourceKind::Mutex,
    ResourceKind::RwLock,
    ResourceKind::Semaphore,
    ResourceKind::Mpsc,
];

fn random_snapshot(rng: &mut Rng) -> Snapshot {
    let n = 1 + rng.below(40);
    let resources_n = rng.below(6);
    let tasks = (1..=n)
        .map(|id| {
            let state = rng.pick(&STATES);
            let mut task = TaskInfo {
                spawned_at: common::site("src/x.rs", 1 + rng.below(2) as u32, 1),
                parent: Some(TaskId(rng.below(3))),
                polls: rng.below(5),
                idle: ms(rng.below(3_000)),
                poller: match rng.below(4) {
                    0 => None,
                    1 => Some(Poller::BlockOn),
                    w => Some(Poller::Worker(w as usize)),
                },
                skipped: rng.below(2) == 0,
                fatal: rng.below(30) == 0,
                ..common::task(id, Some(&format!("job-{}", rng.below(100))), state)
            };
            match rng.below(4) {
                0 => {
                    let target = 1 + rng.below(n);
                    task.wait =
                        common::wait(&format!("join task {target}"), None, Some(target), ms(1));
                }
                1 if resources_n > 0 => {
                    let r = 1 + rng.below(resources_n);
                    task.wait = common::wait(&format!("lock #{r}"), Some(r), None, ms(1));
                }
                _ => {}
            }
            if let Some(wait) = task.wait.as_mut() {
                wait.among_others = rng.below(8) == 0;
            }
            if rng.below(2) == 0 {
                let waker = rng.pick(&[
                    WakerCheck::Kept,
                    WakerCheck::NoWaker,
                    WakerCheck::ReadyNotWoken,
                ]);
                task.trace = trace(
                    vec![frame("job::run", "src/job.rs", 3, 7)],
                    Some("leaf"),
                    waker,
                );
            }
            task
        })
        .collect();
    let resources = (1..=resources_n)
        .map(|id| {
            let holders = (0..rng.below(3))
                .map(|_| holder(1 + rng.below(n), ms(1), None))
                .collect();
            let waiters = (0..rng.below(3))
                .map(|_| waiter(1 + rng.below(n), "lock", ms(1)))
                .collect();
            resource(id, rng.pick(&KINDS), holders, waiters)
        })
        .collect();
    snapshot_of(tasks, resources)
}

/// How many tasks the blocks of a text dump stand for: 1 per `task` title, N per group title.
fn tasks_shown(text: &str) -> usize {
    text.lines()
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| {
            if line.starts_with("task ") && line.ends_with(':') {
                Some(1)
            } else if line.contains(" tasks ") && line.contains("]: ids ") {
                Some(line.split(' ').next()?.replace(',', "").parse().ok()?)
            } else {
                None
            }
        })
        .sum()
}

fn check_deadlocks(snapshot: &Snapshot) {
    let task = |id: TaskId| snapshot.tasks.iter().find(|t| t.id == id).unwrap();
    let mut seen = HashSet::new();
    for deadlock in snapshot.deadlocks() {
        let edges = &deadlock.edges;
        assert!(!edges.is_empty());
        let smallest = edges.iter().map(|e| e.from).min().unwrap();
        assert_eq!(edges[0].from, smallest, "starts at its smallest id");
        for (i, edge) in edges.iter().enumerate() {
            assert_eq!(edge.to, edges[(i + 1) % edges.len()].from, "closed chain");
            assert!(seen.insert(edge.from), "task {} on two cycles", edge.from);
            let from = task(edge.from);
            assert!(matches!(from.state, TaskState::Idle | TaskState::Scheduled));
            assert!(matches!(
                task(edge.to).state,
                TaskState::Idle | TaskState::Scheduled
            ));
            match edge.via {
                Via::Join => assert_eq!(from.wait.as_ref().unwrap().task, Some(edge.to)),
                Via::Resource { id, kind } => {
                    let r = snapshot.resources.iter().find(|r| r.id == id).unwrap();
                    if edge.from == edge.to {
                        assert!(own_hold_blocks(r, edge.from), "{r:?}");
                    }
                    assert_eq!(r.kind, kind);
                    assert!(r.holders.iter().any(|h| h.task == edge.to));
                    let queued = r.waiters.iter().any(|w| w.task == edge.from);
                    let waits = from.wait.as_ref().and_then(|w| w.resource) == Some(id);
                    assert!(queued || waits);
                }
            }
        }
    }
}

/// Whether `task` waits for its own hold of `r` to end: a mutex it holds, or a rwlock it holds
/// for writing or asks to write.
fn own_hold_blocks(r: &ResourceInfo, task: TaskId) -> bool {
    let Some(held) = r.holders.iter().find(|h| h.task == task) else {
        return false;
    };
    let asks_write = r.waiters.iter().any(|w| w.task == task && w.op == "write");
    match r.kind {
        ResourceKind::Mutex => true,
        ResourceKind::RwLock => asks_write || held.mode.as_deref() == Some("write"),
        _ => false,
    }
}

/// The stuck tasks by the module rules of `introspect::deadlocks`, computed the slow, obvious
/// way (repeat until nothing changes), and the stuck-to-stuck edges between them.
fn reference(snapshot: &Snapshot) -> (Vec<TaskId>, Vec<(TaskId, TaskId)>) {
    let takes_part = |id: TaskId| {
        snapshot
            .tasks
            .iter()
            .any(|t| t.id == id && matches!(t.state, TaskState::Idle | TaskState::Scheduled))
    };
    // Per task: its requirements as (holders, any one frees it); `None` for an unknown one.
    let requirements = |task: &TaskInfo| -> Vec<Option<(Vec<TaskId>, bool)>> {
        let mut out = Vec::new();
        if task.wait.as_ref().is_some_and(|w| w.among_others) {
            out.push(None);
        }
        let mut on: Vec<_> = task.wait.iter().filter_map(|w| w.resource).collect();
        for r in &snapshot.resources {
            if r.waiters.iter().any(|w| w.task == task.id) && !on.contains(&r.id) {
                on.push(r.id);
            }
        }
        if let Some(target) = task.wait.as_ref().and_then(|w| w.task) {
            out.push(Some((vec![target], false)));
        }
        for id in on {
            out.push(snapshot.resources.iter().find(|r| r.id == id).map(|r| {
                let own = own_hold_blocks(r, task.id);
                let holders = r
                    .holders
                    .iter()
                    .map(|h| h.task)
                    .filter(|&h| h != task.id || own);
                let any = matches!(r.kind, ResourceKind::Semaphore | ResourceKind::Mpsc);
                (holders.collect(), any)
            }));
        }
        out
    };
    let mut stuck: Vec<TaskId> = snapshot
        .tasks
        .iter()
        .filter(|t| takes_part(t.id) && !requirements(t).is_empty())
        .map(|t| t.id)
        .collect();
    loop {
        let before = stuck.len();
        let current = stuck.clone();
        stuck.retain(|&id| {
            let task = snapshot.tasks.iter().find(|t| t.id == id).unwrap();
            requirements(task).iter().all(|req| match req {
                None => false,
                Some((holders, _)) if holders.is_empty() => false,
                Some((holders, true)) => holders.iter().all(|h| current.contains(h)),
                Some((holders, false)) => holders.iter().any(|h| current.contains(h)),
            })
        });
        if stuck.len() == before {
            break;
        }
    }
    let mut edges = Vec::new();
    for &id in &stuck {
        let task = snapshot.tasks.iter().find(|t| t.id == id).unwrap();
        for (holders, _) in requirements(task).into_iter().flatten() {
            edges.extend(
                holders
                    .into_iter()
                    .filter(|h| stuck.contains(h))
                    .map(|h| (id, h)),
            );
        }
    }
    (stuck, edges)
}

/// Every component of the reference graph that holds a cycle is reported exactly once, and
/// every reported task is stuck.
fn check_against_reference(snapshot: &Snapshot) {
    let (stuck, edges) = reference(snapshot);
    let n = stuck.len();
    let at = |id: TaskId| stuck.iter().position(|&s| s == id).unwrap();
    // reach[i][j]: a path of one edge or more from i to j.
    let mut reach = vec![vec![false; n]; n];
    for &(from, to) in &edges {
        reach[at(from)][at(to)] = true;
    }
    // Warshall's transitive closure.
    for k in 0..n {
        let through_k = reach[k].clone();
        for row in reach.iter_mut().filter(|row| row[k]) {
            for (cell, via_k) in row.iter_mut().zip(&through_k) {
                *cell |= via_k;
            }
        }
    }
    let component = |i: usize| -> Vec<usize> {
        (0..n)
            .filter(|&j| j == i || reach[i][j] && reach[j][i])
            .collect()
    };
    let cyclic: HashSet<Vec<usize>> = (0..n).filter(|&i| reach[i][i]).map(component).collect();
    let found = snapshot.deadlocks();
    assert_eq!(
        found.len(),
        cyclic.len(),
        "one deadlock per cyclic component"
    );
    let reported: HashSet<Vec<usize>> = found
        .iter()
        .map(|deadlock| component(at(deadlock.edges[0].from)))
        .collect();
    assert_eq!(reported, cyclic);
}

#[test]
fn random_snapshots_render_and_keep_their_invariants() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut with_deadlocks = 0;
    let mut with_groups = 0;
    for _ in 0..if cfg!(miri) { 20 } else { 1_000 } {
        let snapshot = random_snapshot(&mut rng);
        check_deadlocks(&snapshot);
        check_against_reference(&snapshot);
        with_deadlocks += usize::from(!snapshot.deadlocks().is_empty());
        for group in [true, false] {
            let options = TextOptions {
                detail: Detail::AllTasks,
                group,
            };
            let text = render::text(&snapshot, &options);
            assert_eq!(tasks_shown(&text), snapshot.tasks.len(), "{text}");
            assert!(text.ends_with('\n'));
            assert!(text.lines().all(|line| line == line.trim_end()));
            assert!(text.chars().all(|c| c == '\n' || !is_hidden(c)));
            with_groups += usize::from(group && text.contains("]: ids "));
        }
        for detail in [Detail::FatalTaskOnly, Detail::HeaderOnly] {
            render::text(&snapshot, &TextOptions::new(detail));
        }
        let json: serde_json::Value = serde_json::from_str(&render::json(&snapshot)).unwrap();
        assert_eq!(
            json["tasks"].as_array().unwrap().len(),
            snapshot.tasks.len()
        );
        assert_eq!(json["totals"]["deadlocks"], snapshot.deadlocks().len());
    }
    // The generator must exercise what it checks.
    assert!(
        with_deadlocks > 50,
        "{with_deadlocks} snapshots with deadlocks"
    );
    assert!(with_groups > 50, "{with_groups} snapshots with groups");
}
