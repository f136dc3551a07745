//! Rules 1 to 5 of the [module docs](super): who takes part, what each task waits on, and which
//! tasks are stuck for good.

use super::Via;
use crate::model::{ResourceId, ResourceInfo, ResourceKind, Snapshot, TaskId, TaskInfo, TaskState};
use std::collections::{HashMap, VecDeque};

/// One thing a task waits on, as the tasks it waits for (rule 2).
pub(super) struct Requirement {
    /// The holders (or the joined task) that take part, as node indices, each once.
    targets: Vec<usize>,
    /// Holders that do not take part (running, completed, missing, ...): never stuck.
    others: usize,
    /// Stuck only when every holder is (rule 4), rather than when any is.
    any_holder_frees: bool,
    /// How the edges to `targets` are labelled.
    via: Via,
}

impl Requirement {
    /// Whether it is still stuck once `freed` of its targets are known not to be.
    fn is_stuck(&self, freed: usize) -> bool {
        if self.targets.is_empty() {
            // Every holder is outside the graph (never stuck), or there is none to wait for.
            false
        } else if self.any_holder_frees {
            freed + self.others == 0
        } else {
            freed < self.targets.len()
        }
    }
}

/// The tasks that take part (rule 1) and their requirements.
pub(super) struct Graph {
    /// Node index to task id.
    pub(super) ids: Vec<TaskId>,
    /// Node index to its requirements; empty for a task that waits on nothing known, or that
    /// has a requirement pointing at nothing (it has a way out, rule 3).
    requirements: Vec<Vec<Requirement>>,
}

impl Graph {
    pub(super) fn new(snapshot: &Snapshot) -> Graph {
        let nodes: Vec<&TaskInfo> = snapshot
            .tasks
            .iter()
            .filter(|task| matches!(task.state, TaskState::Idle | TaskState::Scheduled))
            .collect();
        let mut index: HashMap<TaskId, usize> = HashMap::with_capacity(nodes.len());
        for (i, task) in nodes.iter().enumerate() {
            // A duplicate id is a runtime bug; the first record wins.
            index.entry(task.id).or_insert(i);
        }
        let mut resources: HashMap<ResourceId, &ResourceInfo> = HashMap::new();
        for resource in &snapshot.resources {
            resources.entry(resource.id).or_insert(resource);
        }
        // Rule 2: the resources each node is queued on, `wait.resource` first, each once.
        let mut queued_on: Vec<Vec<ResourceId>> = nodes
            .iter()
            .map(|task| task.wait.iter().filter_map(|wait| wait.resource).collect())
            .collect();
        for resource in &snapshot.resources {
            for waiter in &resource.waiters {
                if let Some(&i) = index.get(&waiter.task) {
                    if !queued_on[i].contains(&resource.id) {
                        queued_on[i].push(resource.id);
                    }
                }
            }
        }
        let requirements = nodes
            .iter()
            .zip(queued_on)
            .map(|(task, queued_on)| {
                // Rule 3: a wait among others has a way out the snapshot cannot see.
                if task.wait.as_ref().is_some_and(|wait| wait.among_others) {
                    return Vec::new();
                }
                let join = task.wait.as_ref().and_then(|wait| wait.task);
                let join = join.map(|target| Some(requirement(&index, [target], false, Via::Join)));
                let on_resources = queued_on.into_iter().map(|id| {
                    let resource = resources.get(&id)?;
                    let holders = resource.holders.iter().map(|holder| holder.task);
                    let via = Via::Resource {
                        id,
                        kind: resource.kind,
                    };
                    let own = task.id;
                    let waits_on_itself = waits_on_own_hold(resource, own);
                    let holders = holders.filter(move |holder| *holder != own || waits_on_itself);
                    Some(requirement(
                        &index,
                        holders,
                        any_holder_frees(resource.kind),
                        via,
                    ))
                });
                let all: Option<Vec<Requirement>> = join.into_iter().chain(on_resources).collect();
                all.filter(|reqs| reqs.iter().all(|req| req.is_stuck(0)))
                    .unwrap_or_default()
            })
            .collect();
        Graph {
            ids: nodes.iter().map(|task| task.id).collect(),
            requirements,
        }
    }

    /// Rule 5: the largest set of stuck nodes. Every node with requirements starts stuck; a
    /// worklist then frees each node with a requirement met, and tells whoever points at it,
    /// visiting each (requirement, target) pair once.
    pub(super) fn stuck(&self) -> Vec<bool> {
        let mut stuck: Vec<bool> = self.requirements.iter().map(|r| !r.is_empty()).collect();
        let mut freed: Vec<Vec<usize>> = self
            .requirements
            .iter()
            .map(|reqs| vec![0; reqs.len()])
            .collect();
        let mut pointed_by: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.ids.len()];
        for (node, reqs) in self.requirements.iter().enumerate() {
            for (r, req) in reqs.iter().enumerate() {
                for &target in &req.targets {
                    pointed_by[target].push((node, r));
                }
            }
        }
        let mut released: VecDeque<usize> = (0..self.ids.len()).filter(|&n| !stuck[n]).collect();
        while let Some(free) = released.pop_front() {
            for &(node, r) in &pointed_by[free] {
                if !stuck[node] {
                    continue;
                }
                freed[node][r] += 1;
                if !self.requirements[node][r].is_stuck(freed[node][r]) {
                    stuck[node] = false;
                    released.push_back(node);
                }
            }
        }
        stuck
    }

    /// Rule 5's edges, per node, sorted by (target, via) and each once.
    pub(super) fn stuck_edges(&self, stuck: &[bool]) -> Vec<Vec<(usize, Via)>> {
        self.requirements
            .iter()
            .enumerate()
            .map(|(node, reqs)| {
                if !stuck[node] {
                    return Vec::new();
                }
                let mut out: Vec<(usize, Via)> = reqs
                    .iter()
                    .flat_map(|req| req.targets.iter().map(move |&t| (t, req.via)))
                    .filter(|&(target, _)| stuck[target])
                    .collect();
                out.sort();
                out.dedup();
                out
            })
            .collect()
    }
}

fn requirement(
    index: &HashMap<TaskId, usize>,
    holders: impl IntoIterator<Item = TaskId>,
    any_holder_frees: bool,
    via: Via,
) -> Requirement {
    let mut targets = Vec::new();
    let mut others = 0;
    for holder in holders {
        match index.get(&holder) {
            Some(&i) => targets.push(i),
            None => others += 1,
        }
    }
    // Each target once, so that the worklist counts it once.
    targets.sort_unstable();
    targets.dedup();
    Requirement {
        targets,
        others,
        any_holder_frees,
        via,
    }
}

/// Rule 2's exception: whether `task`, a holder of `resource`, waits for its own hold to end,
/// so that nothing but itself could let it go on: a mutex it holds, or a rwlock it holds in a
/// mode that excludes what it asks for (write while holding it at all, read while writing).
fn waits_on_own_hold(resource: &ResourceInfo, task: TaskId) -> bool {
    let Some(held) = resource.holders.iter().find(|holder| holder.task == task) else {
        return false;
    };
    match resource.kind {
        ResourceKind::Mutex => true,
        ResourceKind::RwLock => {
            let asks_write = resource
                .waiters
                .iter()
                .any(|waiter| waiter.task == task && waiter.op == "write");
            asks_write || held.mode.as_deref() == Some("write")
        }
        _ => false,
    }
}

/// Rule 4: the kinds whose waiters any single holder can satisfy.
fn any_holder_frees(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Semaphore | ResourceKind::Mpsc | ResourceKind::Notify
    )
}
