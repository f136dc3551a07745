//! What dumps see of an mpsc channel: counters kept beside async-channel's queue, since the
//! queue itself is typed by `T` and a dump reads only `T`-free atomics.
//!
//! Rules:
//! 1. `sent` counts values sent (senders add after a send succeeds); `received` counts values
//!    received (only the one receiver writes it). Their difference is the queue length, read
//!    as a report: it can be off by the sends and receives in flight.
//! 2. `senders` counts live senders; `closed` is set when the receiver closes or drops.
//! 3. Nobody holds a channel: a waiting receiver waits for "some sender", a waiting sender for
//!    the receiver, which the runtime cannot name, so these waits are never edges of a
//!    deadlock cycle. Each side on its own cache line: senders and the receiver run on
//!    different workers.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use introspect::ResourceKind;

use crate::resource::{self, Resource, ResourceCore};

/// The shared, registered, `T`-free state of one channel.
#[derive(Debug)]
pub(super) struct ChanState {
    pub(super) core: ResourceCore,
    /// `None` for an unbounded channel.
    capacity: Option<usize>,
    sent: Padded,
    received: Padded,
    senders: AtomicUsize,
    closed: AtomicBool,
}

/// A counter alone on its cache line (rule 3).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

impl ChanState {
    pub(super) fn new(capacity: Option<usize>, site: &'static Location<'static>) -> Arc<Self> {
        resource::registered(ChanState {
            core: ResourceCore::new(ResourceKind::Mpsc, site),
            capacity,
            sent: Padded::default(),
            received: Padded::default(),
            senders: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
        })
    }

    /// Rule 1 (Relaxed: a report).
    #[inline]
    pub(super) fn sent_one(&self) {
        self.sent.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Rule 1: a load and a store, the receiver being the only writer.
    #[inline]
    pub(super) fn received_one(&self) {
        let n = self.received.0.load(Ordering::Relaxed);
        self.received.0.store(n + 1, Ordering::Relaxed);
    }

    pub(super) fn sender_added(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn sender_dropped(&self) {
        self.senders.fetch_sub(1, Ordering::Relaxed);
    }

    pub(super) fn set_closed(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

impl Resource for ChanState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let sent = self.sent.0.load(Ordering::Relaxed);
        let received = self.received.0.load(Ordering::Relaxed);
        let queued = sent.saturating_sub(received);
        let capacity = match self.capacity {
            Some(c) => format!("capacity {c}"),
            None => "unbounded".to_owned(),
        };
        let senders = self.senders.load(Ordering::Relaxed);
        let closed = if self.closed.load(Ordering::Relaxed) {
            ", closed"
        } else {
            ""
        };
        let noun = if senders == 1 { "sender" } else { "senders" };
        Some(format!(
            "{queued} queued, {capacity}, {senders} {noun}{closed}"
        ))
    }
}
