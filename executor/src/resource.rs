//! Resources: the runtime's own synchronization primitives as dumps show them (tokio-console's
//! resources view), and the half of the wait-for graph they make: who holds what.
//!
//! The other half, who waits for what, is in the waiting tasks' records (`task/wait.rs`): a
//! task waiting on a resource records its id and the operation, and a snapshot derives each
//! resource's waiters from the tasks. So waiting costs a few stores and nothing here.
//!
//! Rules:
//! 1. A primitive's shared state embeds a [`ResourceCore`] and implements [`Resource`]; it
//!    registers itself at creation ([`register`], one lock of one shard) and leaves when its
//!    core drops (the same lock). The registry keeps `Weak` pointers.
//! 2. Holders live in a fixed set of slots: taking one is a compare-and-swap, giving it back a
//!    store (the holder remembers its slot, so a guard moved to another task releases the
//!    right one). More holders than slots are counted, not named.
//! 3. What a snapshot calls on a resource reads atomics only ([`Resource::detail`] included):
//!    a dump never waits on the primitives it inspects. The registry's shards are try-locked
//!    with a bound on the fatal path, like the task registry's.
//! 4. Upgraded `Weak`s are dropped outside the shard locks: a last reference dropped there
//!    runs the primitive's destructor, which leaves the registry through those locks.
//! 5. A primitive made by the thousand, held by nobody, and mostly never waited on (a
//!    oneshot channel) is not registered: its waiting task's record describes it instead
//!    (`wait.rs`, `WaitKind::Described`: an id taken at its first wait from this thread's
//!    block of ids, its kind, and its creation site interned in [`SITES`] once per call
//!    site), and a snapshot lists it among the resources while that wait is current
//!    ([`add_described`]). Waiting costs a few stores and, the first time, a thread-local
//!    look-up; no allocation, no lock.

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use introspect::{Holder, ResourceId, ResourceInfo, ResourceKind, TaskId, TaskInfo, Waiter};
use slab::Slab;

use crate::locks::{lock, try_lock_until};
use crate::task::record::Row;
use crate::task::wait::{self, Waiting};
use crate::{clock, context, snapshot};

/// Holders named per resource (rule 2).
const HOLDER_SLOTS: usize = 8;
const SHARDS: usize = 8;

/// What a primitive's shared state implements to be seen in dumps (rules 1 and 3).
pub(crate) trait Resource: Send + Sync {
    /// The embedded core.
    fn core(&self) -> &ResourceCore;
    /// Its state in words, from atomics only: `"0 of 8 permits"`, `"3 queued (capacity 16)"`,
    /// `"closed"`, `"locked"`.
    fn detail(&self) -> Option<String>;
}

/// The part of every resource the runtime keeps: identity, creation site, holders.
#[derive(Debug)]
pub(crate) struct ResourceCore {
    id: ResourceId,
    kind: ResourceKind,
    created_at: &'static Location<'static>,
    holders: [HolderSlot; HOLDER_SLOTS],
    /// Holders beyond the slots (rule 2).
    unnamed_holders: AtomicUsize,
    /// The registry key, once registered.
    key: AtomicUsize,
}

#[derive(Debug, Default)]
struct HolderSlot {
    /// The holding task's id; 0 while free.
    task: AtomicU64,
    /// `clock` ticks when it was taken.
    since: AtomicU64,
    /// How much it holds: permits for a semaphore, 1 for a lock; `u64::MAX` marks a writer.
    amount: AtomicU64,
}

/// Marks a writer's hold of a read-write lock (`amount`).
pub(crate) const WRITER: u64 = u64::MAX;

/// A held slot, to give back (rule 2).
#[derive(Debug)]
#[must_use = "a hold is given back with `ResourceCore::release`"]
pub(crate) struct Hold(Option<usize>);

const NOT_REGISTERED: usize = usize::MAX;

static REGISTRY: [Mutex<Slab<Weak<dyn Resource>>>; SHARDS] =
    [const { Mutex::new(Slab::new()) }; SHARDS];

/// The next resource id; ids are never reused.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Ids a thread takes at a time for the resources of rule 5, so that their first waits do
/// not all bounce one counter between cores.
const ID_BLOCK: u64 = 64;

/// Rule 5: creation sites of unregistered resources, each interned once.
static SITES: Mutex<Sites> = Mutex::new(Sites {
    list: Vec::new(),
    index: None,
});

/// Interned creation sites: a site's number is its index in `list`.
#[derive(Debug)]
struct Sites {
    list: Vec<&'static Location<'static>>,
    /// By address (`None` until the first site: a `HashMap` cannot be made in a `static`).
    index: Option<HashMap<usize, u32>>,
}

thread_local! {
    /// Rule 5: this thread's block of ids, as the next one and the end of the block.
    static LOCAL_IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// Rule 5: sites this thread interned lately (address, number), by address bits.
    static SITE_CACHE: [Cell<(usize, u32)>; 8] = const { [const { Cell::new((0, 0)) }; 8] };
}

/// Rule 5: a fresh id from this thread's block.
pub(crate) fn local_id() -> ResourceId {
    LOCAL_IDS.with(|ids| {
        let (mut next, mut end) = ids.get();
        if next == end {
            // Relaxed: uniqueness needs only the atomicity of `fetch_add`.
            next = NEXT_ID.fetch_add(ID_BLOCK, Ordering::Relaxed);
            end = next + ID_BLOCK;
        }
        ids.set((next + 1, end));
        ResourceId(next)
    })
}

/// Rule 5: the number of `site`, interned on its first use in the process (one lock), and
/// found in this thread's cache after that.
pub(crate) fn site_number(site: &'static Location<'static>) -> u32 {
    let address = std::ptr::from_ref(site) as usize;
    let slot = (address >> 3) % 8;
    let cached = SITE_CACHE.with(|cache| {
        let (a, n) = cache[slot].get();
        (a == address).then_some(n)
    });
    if let Some(n) = cached {
        return n;
    }
    let n = {
        let mut sites = lock(&SITES);
        let Sites { list, index } = &mut *sites;
        *index
            .get_or_insert_with(HashMap::new)
            .entry(address)
            .or_insert_with(|| {
                list.push(site);
                u32::try_from(list.len() - 1).unwrap_or(u32::MAX)
            })
    };
    SITE_CACHE.with(|cache| cache[slot].set((address, n)));
    n
}

/// Rule 5: adds to `resources` (sorted by id, as `collect` returns them) the resources the
/// rows' current waits describe. `bound` limits the wait for the sites' lock (rule 3).
pub(crate) fn add_described(
    resources: &mut Vec<ResourceInfo>,
    rows: &[(Row, usize)],
    bound: Option<Duration>,
) {
    let described: Vec<(ResourceId, ResourceKind, u32)> = rows
        .iter()
        .filter_map(|(row, _)| match wait::unpack(row.wait)? {
            Waiting::Described(id) => {
                let (kind, _, site) = wait::unpack_described(row.wait_arg)?;
                Some((id, kind, site))
            }
            _ => None,
        })
        .collect();
    if described.is_empty() {
        return;
    }
    let sites = match bound {
        None => Some(lock(&SITES)),
        Some(bound) => try_lock_until(&SITES, Instant::now() + bound, std::thread::yield_now),
    };
    for (id, kind, site) in described {
        let created_at = sites
            .as_ref()
            .and_then(|s| s.list.get(site as usize))
            .map(|at| snapshot::location(at));
        resources.push(ResourceInfo {
            id,
            kind,
            created_at,
            holders: Vec::new(),
            waiters: Vec::new(),
            // What its waiting receiver found at its last poll.
            detail: Some("empty".to_owned()),
        });
    }
    drop(sites);
    resources.sort_by_key(|r| r.id);
    resources.dedup_by_key(|r| r.id);
}

impl ResourceCore {
    /// A core for a new resource of `kind`, created at `created_at` (a `#[track_caller]`
    /// location of the user's call).
    pub(crate) fn new(kind: ResourceKind, created_at: &'static Location<'static>) -> ResourceCore {
        ResourceCore {
            // Relaxed: uniqueness needs only the atomicity of `fetch_add`.
            id: ResourceId(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            kind,
            created_at,
            holders: Default::default(),
            unnamed_holders: AtomicUsize::new(0),
            key: AtomicUsize::new(NOT_REGISTERED),
        }
    }

    /// The resource's id, as dumps and wait reasons name it.
    pub(crate) fn id(&self) -> ResourceId {
        self.id
    }

    /// Records that the task being polled on this thread took `amount` of the resource (rule
    /// 2). Outside a task the hold is not named (a plain thread has no id to show).
    #[inline]
    pub(crate) fn acquire(&self, amount: u64) -> Hold {
        let Some((task, poll_start)) = context::current_task_and_poll_start() else {
            self.unnamed_holders.fetch_add(1, Ordering::Relaxed);
            return Hold(None);
        };
        let now = hold_time(poll_start);
        for (i, slot) in self.holders.iter().enumerate() {
            // Relaxed is enough for the claim and the fields: a snapshot reads holders as
            // a report and orders nothing by them.
            if slot
                .task
                .compare_exchange(0, task.0, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                slot.since.store(now, Ordering::Relaxed);
                slot.amount.store(amount, Ordering::Relaxed);
                return Hold(Some(i));
            }
        }
        self.unnamed_holders.fetch_add(1, Ordering::Relaxed);
        Hold(None)
    }

    /// [`ResourceCore::acquire`] for a resource one task holds at a time (a mutex): the
    /// holder is then the only writer of slot 0, so three plain stores do, no claim.
    ///
    /// The caller must hold the resource exclusively from before this call until after the
    /// matching [`ResourceCore::release`], and must never mix this with `acquire` on the same
    /// core: the lock's own acquire/release ordering then orders one holder's stores before
    /// the next holder's (a snapshot racing with them may show a holder a moment late or
    /// early, which rule 3 allows).
    #[inline]
    pub(crate) fn acquire_exclusive(&self) -> Hold {
        let Some((task, poll_start)) = context::current_task_and_poll_start() else {
            self.unnamed_holders.fetch_add(1, Ordering::Relaxed);
            return Hold(None);
        };
        let slot = &self.holders[0];
        // Relaxed: see above; `task` last, so a snapshot that sees it rarely sees an old
        // `since` (and a wrong one only shows a wrong duration).
        slot.since.store(hold_time(poll_start), Ordering::Relaxed);
        slot.amount.store(1, Ordering::Relaxed);
        slot.task.store(task.0, Ordering::Relaxed);
        Hold(Some(0))
    }

    /// Whether anyone holds the resource now (for [`Resource::detail`]).
    pub(crate) fn is_held(&self) -> bool {
        self.unnamed_holders.load(Ordering::Relaxed) > 0
            || self
                .holders
                .iter()
                .any(|slot| slot.task.load(Ordering::Relaxed) != 0)
    }

    /// Gives back what [`ResourceCore::acquire`] recorded.
    #[inline]
    pub(crate) fn release(&self, hold: Hold) {
        match hold.0 {
            Some(i) => self.holders[i].task.store(0, Ordering::Relaxed),
            None => {
                // Never below zero, even for a release without its acquire.
                let mut n = self.unnamed_holders.load(Ordering::Relaxed);
                while n > 0 {
                    match self.unnamed_holders.compare_exchange_weak(
                        n,
                        n - 1,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => break,
                        Err(now) => n = now,
                    }
                }
            }
        }
    }

    /// The named holders, now.
    fn holders(&self, now: u64) -> Vec<Holder> {
        let mut out = Vec::new();
        for slot in &self.holders {
            let task = slot.task.load(Ordering::Relaxed);
            if task == 0 {
                continue;
            }
            let amount = slot.amount.load(Ordering::Relaxed);
            let mode = match (self.kind, amount) {
                (ResourceKind::RwLock, WRITER) => Some("write".to_owned()),
                (ResourceKind::RwLock, _) => Some("read".to_owned()),
                (ResourceKind::Semaphore, 1) => Some("1 permit".to_owned()),
                (ResourceKind::Semaphore, n) => Some(format!("{n} permits")),
                _ => None,
            };
            out.push(Holder {
                task: TaskId(task),
                held_for: clock::between(slot.since.load(Ordering::Relaxed), now),
                mode,
            });
        }
        out
    }
}

/// When a hold starts, in `clock` ticks: the start of the holding task's poll in progress
/// (read from its record with its id, one thread-local access for both), else a clock
/// reading. A hold shown a poll's length too long is fine; a clock read (9.4 ns, `clock.rs`)
/// on every uncontended lock would cost about as much as the lock itself.
#[inline]
fn hold_time(poll_start: u64) -> u64 {
    match poll_start {
        0 => clock::now(),
        t => t,
    }
}

impl Drop for ResourceCore {
    fn drop(&mut self) {
        let key = *self.key.get_mut();
        if key != NOT_REGISTERED {
            let mut shard = lock(&REGISTRY[shard_of(self.id)]);
            shard.try_remove(key);
        }
    }
}

fn shard_of(id: ResourceId) -> usize {
    (id.0 as usize) % SHARDS
}

/// Rule 1: makes `resource` visible to dumps until its core drops.
fn register(core: &ResourceCore, resource: Weak<dyn Resource>) {
    let mut shard = lock(&REGISTRY[shard_of(core.id)]);
    let key = shard.insert(resource);
    // Relaxed: read back only by the core's own `drop`, which has `&mut`.
    core.key.store(key, Ordering::Relaxed);
}

/// Creates the shared state of a new primitive and makes it visible to dumps (rule 1).
pub(crate) fn registered<R: Resource + 'static>(resource: R) -> Arc<R> {
    let resource = Arc::new(resource);
    // Downgraded as it is, then unsized: no strong count taken and given back.
    let weak: Weak<R> = Arc::downgrade(&resource);
    register(resource.core(), weak);
    resource
}

/// Every live resource, as the dump shows it (waiters are filled in later, from the tasks),
/// its hold times counted up to `now` (the reading the tasks' rows were taken at, so that one
/// dump's times agree). `bound` limits the total wait for shard locks (rule 3); `None` waits.
pub(crate) fn collect(bound: Option<Duration>, now: u64) -> (Vec<ResourceInfo>, usize) {
    let mut live: Vec<Arc<dyn Resource>> = Vec::new();
    let mut unread = 0;
    let deadline = bound.map(|b| Instant::now() + b);
    for shard in &REGISTRY {
        let guard = match deadline {
            None => Some(lock(shard)),
            Some(deadline) => try_lock_until(shard, deadline, std::thread::yield_now),
        };
        match guard {
            Some(g) => live.extend(g.iter().filter_map(|(_, w)| w.upgrade())),
            None => unread += 1,
        }
    }
    // Rule 4: the guards are gone; `live` drops at the end of this function.
    let mut infos: Vec<ResourceInfo> = live
        .iter()
        .map(|r| {
            let core = r.core();
            let unnamed = core.unnamed_holders.load(Ordering::Relaxed);
            let detail = match (r.detail(), unnamed) {
                (d, 0) => d,
                (Some(d), n) => Some(format!("{d}; {n} holders outside tasks or unnamed")),
                (None, n) => Some(format!("{n} holders outside tasks or unnamed")),
            };
            ResourceInfo {
                id: core.id,
                kind: core.kind,
                created_at: Some(snapshot::location(core.created_at)),
                holders: core.holders(now),
                waiters: Vec::new(),
                detail,
            }
        })
        .collect();
    infos.sort_by_key(|r| r.id);
    (infos, unread)
}

/// Fills each resource's waiters from the tasks' waits, and completes each such wait's words
/// with the resource's kind and state: `mutex #4 lock`, `semaphore #2 acquire (0 of 8
/// permits)`. A wait on a resource gone by now keeps `resource #9 lock`.
pub(crate) fn link(tasks: &mut [TaskInfo], resources: &mut [ResourceInfo]) {
    for task in tasks {
        let Some(wait) = &mut task.wait else { continue };
        let Some(id) = wait.resource else { continue };
        match resources.binary_search_by_key(&id, |r| r.id) {
            Ok(i) => {
                let r = &mut resources[i];
                r.waiters.push(Waiter {
                    task: task.id,
                    op: wait.what.clone(),
                    waited: wait.waited,
                });
                let detail = match (r.kind, &r.detail) {
                    (ResourceKind::Semaphore, Some(d)) => format!(" ({d})"),
                    _ => String::new(),
                };
                wait.what = format!("{} {} {}{detail}", r.kind, id, wait.what);
            }
            Err(_) => wait.what = format!("resource {id} {}", wait.what),
        }
    }
}
