//! What a task waits on, as its record stores it: cheap to set (a few stores, no allocation,
//! no lock) from inside a leaf future's poll, and read from atomics by snapshots.
//!
//! Rules:
//! 1. Only the task's poller sets it, during a poll, through [`set_current`]: single writer.
//! 2. A wait belongs to the poll it was set in. A snapshot shows it only for a task that is
//!    not being polled and whose last completed poll set it; a later poll that waits on
//!    nothing (or a trace poll) leaves it stale, and stale waits are not shown.
//! 3. The same wait set again in the next poll keeps its start time: a task woken
//!    spuriously and waiting again on the same lock has waited since the first time.
//! 4. A second, different wait in the same poll (a `select!`, `join!` or `timeout`) marks
//!    the word [`AMONG_OTHERS`] and keeps one of them: the first, unless it is a sleep and
//!    the new one is not (a deadline says less about a hang than the lock it guards). The
//!    wait-for graph never counts a task so marked as stuck: another branch may free it.
//! 5. Polls are told apart by the task's poll count. Past four billion polls the count
//!    saturates (it is 32 bits): from then on rules 2 and 4 degrade, a wait replaces the last
//!    one unmarked and a stale wait may be shown, rather than waits never showing again.

use introspect::{ResourceId, TaskId};

use crate::context;

/// The kinds of wait, stored in the top byte of the wait word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum WaitKind {
    /// A `JoinHandle`: the id is the joined task's.
    Join = 1,
    /// A timer (`sleep`, `interval`, `timeout`): the argument is the deadline in clock ticks.
    Sleep = 2,
    /// A runtime resource (mutex, semaphore, channel, ...): the id is the resource's.
    Resource = 3,
    /// A resource that is not in the registry and is described by the wait itself (a
    /// oneshot channel, `resource.rs` rule 5): the id is the resource's, the argument packs
    /// its kind, the operation and its interned creation site ([`pack_described`]).
    Described = 4,
}

impl WaitKind {
    fn from_u8(v: u8) -> Option<WaitKind> {
        match v {
            1 => Some(WaitKind::Join),
            2 => Some(WaitKind::Sleep),
            3 => Some(WaitKind::Resource),
            4 => Some(WaitKind::Described),
            _ => None,
        }
    }
}

/// Ids are 56 bits in the word; larger ones are cut (never reached in practice: ids count up
/// from 1 within one process).
const ID_BITS: u32 = 56;
const ID_MASK: u64 = (1 << ID_BITS) - 1;

/// Rule 4's mark, in the kind byte (kinds fit in its low bits).
pub(crate) const AMONG_OTHERS: u64 = 1 << 63;

/// A wait packed into one word: kind and id. 0 is "no wait".
pub(crate) fn pack(kind: WaitKind, id: u64) -> u64 {
    (u64::from(kind as u8) << ID_BITS) | (id & ID_MASK)
}

/// Whether a packed word is a sleep (rule 4 prefers any other wait to it).
pub(crate) fn is_sleep(word: u64) -> bool {
    (word & !AMONG_OTHERS) >> ID_BITS == WaitKind::Sleep as u64
}

/// Whether a packed word carries rule 4's mark.
pub(crate) fn among_others(word: u64) -> bool {
    word & AMONG_OTHERS != 0
}

/// What a packed word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiting {
    Join(TaskId),
    Sleep,
    Resource(ResourceId),
    Described(ResourceId),
}

pub(crate) fn unpack(word: u64) -> Option<Waiting> {
    let id = word & ID_MASK;
    match WaitKind::from_u8(((word & !AMONG_OTHERS) >> ID_BITS) as u8)? {
        WaitKind::Join => Some(Waiting::Join(TaskId(id))),
        WaitKind::Sleep => Some(Waiting::Sleep),
        WaitKind::Resource => Some(Waiting::Resource(ResourceId(id))),
        WaitKind::Described => Some(Waiting::Described(ResourceId(id))),
    }
}

/// The kinds of resource a [`WaitKind::Described`] wait can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum DescribedKind {
    Oneshot = 1,
}

/// The argument of a [`WaitKind::Described`] wait: kind, operation and creation site in one
/// word, so that a snapshot never pairs one wait's site with another's kind.
pub(crate) fn pack_described(kind: DescribedKind, op: ResourceOp, site: u32) -> u64 {
    (u64::from(kind as u8) << 56) | (u64::from(op as u8) << 48) | u64::from(site)
}

/// What [`pack_described`] packed: the resource's kind, the operation in words, the site.
pub(crate) fn unpack_described(arg: u64) -> Option<(introspect::ResourceKind, String, u32)> {
    let kind = match (arg >> 56) as u8 {
        1 => introspect::ResourceKind::Oneshot,
        _ => return None,
    };
    let op = ResourceOp::describe(((arg >> 48) & 0xff) << ID_BITS);
    Some((kind, op, arg as u32))
}

/// What a task does to a resource it waits on, stored with the amount in the wait's argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ResourceOp {
    Lock = 1,
    Read = 2,
    Write = 3,
    Acquire = 4,
    Recv = 5,
    Send = 6,
    Notified = 7,
    Changed = 8,
    Wait = 9,
}

impl ResourceOp {
    fn from_u8(v: u8) -> Option<ResourceOp> {
        use ResourceOp::*;
        [
            Lock, Read, Write, Acquire, Recv, Send, Notified, Changed, Wait,
        ]
        .into_iter()
        .find(|op| *op as u8 == v)
    }

    /// `lock`, `acquire 2`, `recv`: how a dump names the operation.
    pub(crate) fn describe(arg: u64) -> String {
        let amount = arg & ID_MASK;
        match ResourceOp::from_u8((arg >> ID_BITS) as u8) {
            Some(ResourceOp::Lock) => "lock".into(),
            Some(ResourceOp::Read) => "read".into(),
            Some(ResourceOp::Write) => "write".into(),
            Some(ResourceOp::Acquire) if amount > 1 => format!("acquire {amount}"),
            Some(ResourceOp::Acquire) => "acquire".into(),
            Some(ResourceOp::Recv) => "recv".into(),
            Some(ResourceOp::Send) => "send".into(),
            Some(ResourceOp::Notified) => "notified".into(),
            Some(ResourceOp::Changed) => "changed".into(),
            Some(ResourceOp::Wait) => "wait".into(),
            None => "wait".into(),
        }
    }
}

/// Records that the task being polled waits on resource `core` to do `op` (`amount`: permits,
/// or 1): an edge of the wait-for graph, towards the resource's holders.
#[inline]
pub(crate) fn set_resource(core: &crate::resource::ResourceCore, op: ResourceOp, amount: u64) {
    let arg = (u64::from(op as u8) << ID_BITS) | (amount & ID_MASK);
    set_current(WaitKind::Resource, core.id().0, arg);
}

/// Records that the task being polled waits on resource `id`, not in the registry, of `kind`
/// created at interned site `site` (`resource.rs` rule 5), to do `op`.
#[inline]
pub(crate) fn set_described(id: ResourceId, kind: DescribedKind, op: ResourceOp, site: u32) {
    set_current(WaitKind::Described, id.0, pack_described(kind, op, site));
}

/// Records that the task being polled sleeps until `deadline`.
#[inline]
pub(crate) fn set_sleep(deadline: std::time::Instant) {
    set_sleep_ticks(crate::clock::ticks_at(deadline));
}

/// Records that the task being polled sleeps until `deadline`, in `clock` ticks (for a timer
/// that converted its deadline once: [`set_sleep`] reads two clocks to convert).
#[inline]
pub(crate) fn set_sleep_ticks(deadline: u64) {
    set_current(WaitKind::Sleep, 0, deadline);
}

/// Records, in the record of the task being polled on this thread (if any, and if this is
/// not a trace poll), that it waits on `kind`/`id`, with `arg` (a deadline for sleeps).
#[inline]
pub(crate) fn set_current(kind: WaitKind, id: u64, arg: u64) {
    context::with_waiting_record(|r| r.set_wait(pack(kind, id), arg));
}
