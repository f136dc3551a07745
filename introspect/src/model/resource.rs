//! The runtime's synchronisation resources (mutexes, semaphores, channels, ...) with the tasks
//! that hold them and the tasks that wait for them: what a reader needs to see who blocks whom.

use super::frame::SourceLocation;
use super::task::TaskId;
use std::fmt;
use std::time::Duration;

/// A resource's identity, unique within a process, so that a task's `mutex #4 lock` can be
/// matched with the `mutex #4` entry of the resources section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(pub u64);

impl fmt::Display for ResourceId {
    /// `#4`, as in `mutex #4`: the `#` keeps resource numbers apart from task numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What kind of resource it is; it decides how waiting on it is read (see [`crate::deadlocks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// An async mutex.
    Mutex,
    /// An async reader-writer lock.
    RwLock,
    /// A counting semaphore.
    Semaphore,
    /// A `Notify`.
    Notify,
    /// A oneshot channel.
    Oneshot,
    /// A multi-producer channel.
    Mpsc,
    /// A watch channel.
    Watch,
    /// A barrier.
    Barrier,
}

impl ResourceKind {
    /// The word the text and the JSON dumps use: `mutex`, `rwlock`, `semaphore`, `notify`,
    /// `oneshot`, `mpsc`, `watch` or `barrier`.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Mutex => "mutex",
            ResourceKind::RwLock => "rwlock",
            ResourceKind::Semaphore => "semaphore",
            ResourceKind::Notify => "notify",
            ResourceKind::Oneshot => "oneshot",
            ResourceKind::Mpsc => "mpsc",
            ResourceKind::Watch => "watch",
            ResourceKind::Barrier => "barrier",
        }
    }
}

impl fmt::Display for ResourceKind {
    /// [`ResourceKind::name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One resource, tokio-console style: who holds it, who waits for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// Its id.
    pub id: ResourceId,
    /// Its kind.
    pub kind: ResourceKind,
    /// Where it was created, which is how a reader recognises it in their code.
    pub created_at: Option<SourceLocation>,
    /// The tasks holding it (a lock guard, permits, the sending half).
    pub holders: Vec<Holder>,
    /// The tasks queued on it.
    pub waiters: Vec<Waiter>,
    /// State in words (unescaped): `0 of 8 permits`, `3 queued (capacity 16)`, `closed`,
    /// `locked`.
    pub detail: Option<String>,
}

/// A task holding a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Holder {
    /// The holding task.
    pub task: TaskId,
    /// For how long it has held it: a lock held for seconds is the usual suspect.
    pub held_for: Duration,
    /// How it holds it, when the kind has modes (unescaped): `read`, `write`, `2 permits`.
    pub mode: Option<String>,
}

/// A task queued on a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Waiter {
    /// The waiting task.
    pub task: TaskId,
    /// What it asked for (unescaped): `lock`, `acquire 2`, `recv`.
    pub op: String,
    /// How long it has been waiting.
    pub waited: Duration,
}
