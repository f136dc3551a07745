//! The channel's shared parts: its values in a `concurrent-queue`, and beside them the
//! registered, `T`-free state that dumps read and the two sides synchronize on.
//!
//! Rules:
//! 1. A bounded channel's room is a [`Permits`] of `capacity` (`permits.rs`): a send takes
//!    one before it pushes, a receive gives one back after it pops. So the queue never holds
//!    more than `capacity` values (its pushes cannot fail), senders that wait for room are
//!    served first come, first served, and a send or receive nobody waits for costs one
//!    atomic read-modify-write on the permits and no lock. The queue length a dump shows is
//!    `capacity` minus the free permits: a report, off by the sends and receives in flight.
//!    An unbounded channel counts `sent` and `received` instead (each on its own cache line:
//!    senders and the receiver run on different workers).
//! 2. The receiver waits on `rx_waker` (`AtomicWaker`'s protocol): a sender pushes, then
//!    wakes; the receiver registers, then pops again. The last sender to drop sets
//!    [`SENDERS_GONE`] after its last push, then wakes; a receiver that sees the flag pops
//!    once more before it reports the end.
//! 3. [`RX_CLOSED`] is set when the receiver closes or drops; it closes the permits too, so
//!    waiting and later sends fail, while what is queued can still be received.
//! 4. Nobody holds a channel: a waiting receiver waits for "some sender", a waiting sender for
//!    the receiver, which the runtime cannot name, so these waits are never edges of a
//!    deadlock cycle.

use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Context;

use futures::task::AtomicWaker;
use introspect::ResourceKind;

use crate::resource::{self, Resource, ResourceCore};
use crate::sync::permits::Permits;

/// Rule 2: every sender is gone.
const SENDERS_GONE: u8 = 1;
/// Rule 3: the receiver closed the channel or is gone.
const RX_CLOSED: u8 = 2;

/// The shared, registered, `T`-free state of one channel.
pub(super) struct ChanState {
    pub(super) core: ResourceCore,
    /// A bounded channel's room (rule 1); `None` for an unbounded channel.
    pub(super) room: Option<Permits>,
    /// `None` for an unbounded channel.
    capacity: Option<usize>,
    /// Rule 2.
    rx_waker: AtomicWaker,
    /// [`SENDERS_GONE`] and [`RX_CLOSED`].
    flags: AtomicU8,
    senders: AtomicUsize,
    /// An unbounded channel's counters (rule 1).
    sent: Padded,
    received: Padded,
}

/// A counter alone on its cache line (rule 1).
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded(AtomicU64);

impl ChanState {
    pub(super) fn new(capacity: Option<usize>, site: &'static Location<'static>) -> Arc<Self> {
        resource::registered(ChanState {
            core: ResourceCore::new(ResourceKind::Mpsc, site),
            room: capacity.map(Permits::new),
            capacity,
            rx_waker: AtomicWaker::new(),
            flags: AtomicU8::new(0),
            senders: AtomicUsize::new(1),
            sent: Padded::default(),
            received: Padded::default(),
        })
    }

    /// Rule 2: a value was pushed; wakes the receiver.
    #[inline]
    pub(super) fn pushed(&self) {
        if self.room.is_none() {
            // Relaxed: a report (rule 1).
            self.sent.0.fetch_add(1, Ordering::Relaxed);
        }
        self.rx_waker.wake();
    }

    /// Rule 1: a value was popped; gives its room back.
    #[inline]
    pub(super) fn popped(&self) {
        match &self.room {
            Some(room) => room.release(1),
            None => {
                // A load and a store: the receiver is the only writer (Relaxed: a report).
                let n = self.received.0.load(Ordering::Relaxed);
                self.received.0.store(n + 1, Ordering::Relaxed);
            }
        }
    }

    /// Rule 2: registers the receiver's waker (then the caller pops again).
    pub(super) fn register_receiver(&self, cx: &Context<'_>) {
        self.rx_waker.register(cx.waker());
    }

    /// Whether nothing more will be pushed: every sender is gone or the receiver closed.
    pub(super) fn is_finished(&self) -> bool {
        // Acquire: the last sender's pushes come with its flag (rule 2).
        self.flags.load(Ordering::Acquire) != 0
    }

    /// Whether the receiver closed the channel or is gone (rule 3).
    pub(super) fn is_closed(&self) -> bool {
        self.flags.load(Ordering::Acquire) & RX_CLOSED != 0
    }

    pub(super) fn sender_added(&self) {
        // Relaxed: the clone comes from a live sender, so the count is not zero and cannot
        // reach zero meanwhile (`Arc`'s own argument).
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// Rule 2: the last sender sets [`SENDERS_GONE`] and wakes the receiver.
    pub(super) fn sender_dropped(&self) {
        // AcqRel: the last sender sees every other sender's pushes, and publishes them with
        // its flag.
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.flags.fetch_or(SENDERS_GONE, Ordering::Release);
            self.rx_waker.wake();
        }
    }

    /// Rule 3.
    pub(super) fn close(&self) {
        // Release: a sender that sees the flag sees what the receiver did before closing.
        if self.flags.fetch_or(RX_CLOSED, Ordering::Release) & RX_CLOSED == 0 {
            if let Some(room) = &self.room {
                room.close();
            }
        }
    }

    /// The receiver is dropped: closes (rule 3), and lets go of its waker, which would keep
    /// its task's allocation alive for as long as senders live.
    pub(super) fn receiver_dropped(&self) {
        self.close();
        drop(self.rx_waker.take());
    }

    /// Values queued now (a report, rule 1).
    fn queued(&self) -> u64 {
        match &self.room {
            Some(room) => {
                let capacity = self.capacity.unwrap_or(0);
                capacity.saturating_sub(room.available()) as u64
            }
            None => {
                let sent = self.sent.0.load(Ordering::Relaxed);
                let received = self.received.0.load(Ordering::Relaxed);
                sent.saturating_sub(received)
            }
        }
    }

    /// The capacity the channel was created with; `None` when unbounded.
    pub(super) fn capacity(&self) -> Option<usize> {
        self.capacity
    }
}

impl Resource for ChanState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let queued = self.queued();
        let capacity = match self.capacity() {
            Some(c) => format!("capacity {c}"),
            None => "unbounded".to_owned(),
        };
        let senders = self.senders.load(Ordering::Relaxed);
        let closed = if self.is_closed() { ", closed" } else { "" };
        let noun = if senders == 1 { "sender" } else { "senders" };
        Some(format!(
            "{queued} queued, {capacity}, {senders} {noun}{closed}"
        ))
    }
}
