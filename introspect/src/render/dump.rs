//! What every section of one text dump shares: the snapshot, the options, and the facts worth
//! computing once (the deadlocks, the entries, the resources by id), each computed on first use
//! so a section rendered alone pays only for what it reads.

use super::group::{self, Entry};
use super::TextOptions;
use crate::graph::Deadlock;
use crate::model::{Holder, ResourceId, ResourceInfo, Snapshot, TaskId, Totals};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

/// One text dump being rendered.
pub(super) struct Dump<'a> {
    /// What is dumped.
    pub(super) snapshot: &'a Snapshot,
    /// How.
    pub(super) options: TextOptions,
    /// [`Snapshot::deadlocks`].
    deadlocks: OnceCell<Vec<Deadlock>>,
    /// The tasks on a deadlock cycle.
    deadlocked: OnceCell<HashSet<TaskId>>,
    /// The rows and blocks, in order.
    entries: OnceCell<Vec<Entry<'a>>>,
    /// The resources by id (the first of each id, as the wait-for graph takes it).
    resources: OnceCell<HashMap<ResourceId, &'a ResourceInfo>>,
    /// What each task holds, in snapshot order.
    held: OnceCell<HashMap<TaskId, Vec<(&'a ResourceInfo, &'a Holder)>>>,
}

impl<'a> Dump<'a> {
    pub(super) fn new(snapshot: &'a Snapshot, options: &TextOptions) -> Self {
        Dump {
            snapshot,
            options: *options,
            deadlocks: OnceCell::new(),
            deadlocked: OnceCell::new(),
            entries: OnceCell::new(),
            resources: OnceCell::new(),
            held: OnceCell::new(),
        }
    }

    pub(super) fn deadlocks(&self) -> &[Deadlock] {
        self.deadlocks.get_or_init(|| self.snapshot.deadlocks())
    }

    pub(super) fn deadlocked(&self) -> &HashSet<TaskId> {
        self.deadlocked
            .get_or_init(|| self.deadlocks().iter().flat_map(Deadlock::tasks).collect())
    }

    pub(super) fn entries(&self) -> &[Entry<'a>] {
        self.entries
            .get_or_init(|| group::entries(self.snapshot, &self.options, self.deadlocked()))
    }

    pub(super) fn resource(&self, id: ResourceId) -> Option<&'a ResourceInfo> {
        let resources = self.resources.get_or_init(|| {
            let mut map = HashMap::new();
            for resource in &self.snapshot.resources {
                map.entry(resource.id).or_insert(resource);
            }
            map
        });
        resources.get(&id).copied()
    }

    /// The resources `task` holds, and how.
    pub(super) fn held_by(&self, task: TaskId) -> &[(&'a ResourceInfo, &'a Holder)] {
        let held = self.held.get_or_init(|| {
            let mut map: HashMap<TaskId, Vec<_>> = HashMap::new();
            for resource in &self.snapshot.resources {
                for holder in &resource.holders {
                    map.entry(holder.task).or_default().push((resource, holder));
                }
            }
            map
        });
        held.get(&task).map_or(&[], Vec::as_slice)
    }

    /// [`Snapshot::totals`], reusing the deadlocks already found.
    pub(super) fn totals(&self) -> Totals {
        Totals {
            deadlocks: self.deadlocks().len(),
            ..self.snapshot.state_counts()
        }
    }
}
