//! A channel for one value, like `tokio::sync::oneshot`, whose waiting receiver dumps name:
//! `task 5 [idle, 2.10s, oneshot #7 recv]`.
//!
//! One allocation per channel (the value, the flags and both sides' wakers), as in tokio, and
//! nothing registered: the waiting receiver's task describes the channel (rule 4).
//!
//! Rules:
//! 1. `flags` says what happened, each bit set once: [`SENT`] after the value is in `value`,
//!    [`SENDER_GONE`] when the sender is dropped without sending, [`RECEIVER_GONE`] when the
//!    receiver is closed or dropped. A side sets its flag, then wakes the other side's
//!    `AtomicWaker`; a side registers its waker, then re-reads the flags (`AtomicWaker`'s
//!    protocol), so it never sleeps through a change.
//! 2. `value` belongs to one side at a time, and [`SENT`] hands it over: the sender writes
//!    it before it sets [`SENT`] (`Release`), the receiver reads it only after it saw
//!    [`SENT`] (`Acquire`). The sender sets [`SENT`] by a compare-and-swap that fails once
//!    [`RECEIVER_GONE`] is set, and then takes its value back: the receiver never reads it.
//!    A dump reads nothing of the channel.
//! 3. Nobody holds a oneshot: a waiting receiver waits for "whoever has the sender", which
//!    the runtime cannot name, so its waits are never edges of a deadlock cycle.
//! 4. A oneshot is not in the resource registry (`resource.rs` rule 5): most are never
//!    waited on, and registering each would cost more than the channel. The first time its
//!    receiver returns `Pending` it takes an id and interns its creation site; its task's
//!    wait (`oneshot #7 recv`) carries both, and a dump lists the channel among the resources
//!    (kind, id, creation site, `empty`) while that wait is current.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use introspect::ResourceId;

use crate::resource;
use crate::task::wait::{self, DescribedKind, ResourceOp};

/// Rule 1: the value is in the slot.
const SENT: u8 = 1;
/// Rule 1: the sender was dropped without sending.
const SENDER_GONE: u8 = 2;
/// Rule 1: the receiver was closed or dropped.
const RECEIVER_GONE: u8 = 4;

/// Errors of the oneshot channel.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending: no value will ever come.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) got no value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value yet; one may still come.
        Empty,
        /// The sender was dropped without sending, or the value was already taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

pub use error::{RecvError, TryRecvError};

/// A new oneshot channel. Dumps show the caller's location as where it was created.
///
/// ```
/// use executor::sync::oneshot;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let (tx, rx) = oneshot::channel();
/// executor::spawn(async move {
///     let _ = tx.send(42);
/// });
/// assert_eq!(rx.await, Ok(42));
///
/// let (tx, rx) = oneshot::channel::<u32>();
/// drop(tx);
/// assert!(rx.await.is_err());
/// # });
/// ```
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        flags: AtomicU8::new(0),
        value: UnsafeCell::new(None),
        rx_waker: AtomicWaker::new(),
        tx_waker: AtomicWaker::new(),
        created_at: Location::caller(),
    });
    let tx = Sender {
        inner: inner.clone(),
        sent: false,
    };
    let rx = Receiver {
        inner,
        done: false,
        described: None,
    };
    (tx, rx)
}

/// What both sides share.
struct Inner<T> {
    /// Rule 1.
    flags: AtomicU8,
    /// Rule 2.
    value: UnsafeCell<Option<T>>,
    /// The receiver's waker, woken by the sender's flags.
    rx_waker: AtomicWaker,
    /// The waker of [`Sender::closed`], woken by the receiver's flag.
    tx_waker: AtomicWaker,
    /// Where `channel` was called, for dumps (rule 4).
    created_at: &'static Location<'static>,
}

impl<T> Inner<T> {
    fn flags(&self) -> u8 {
        // Acquire: a receiver that sees `SENT` sees the value put in before it (the slot's
        // lock orders that too).
        self.flags.load(Ordering::Acquire)
    }

    /// Rule 1: sets `flag`; returns the flags it replaced.
    fn set(&self, flag: u8) -> u8 {
        // AcqRel: publishes what this side did before, and sees the other side's flags.
        self.flags.fetch_or(flag, Ordering::AcqRel)
    }
}

// SAFETY: the two sides share `Inner` only to hand the value from one to the other (rule 2),
// never to reach it at once, so `T: Send` is enough (as for `std::sync::Mutex` or tokio's
// oneshot); everything else in it is `Sync`. `Send` needs no impl: `UnsafeCell<Option<T>>`
// is `Send` when `T` is.
unsafe impl<T: Send> Sync for Inner<T> {}

/// Sends the channel's one value. It can move to another thread when `T` can:
///
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<executor::sync::oneshot::Sender<std::rc::Rc<u8>>>();
/// ```
pub struct Sender<T> {
    inner: Arc<Inner<T>>,
    /// `send` ran: dropping is then not "gone without sending".
    sent: bool,
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    /// Gives `value` back when the receiver is closed or dropped first.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = &*self.inner;
        if inner.flags() & RECEIVER_GONE != 0 {
            return Err(value);
        }
        // SAFETY: rule 2: until `SENT` is set the slot is the sender's alone, and there is
        // one sender (`send` consumes it).
        unsafe { *inner.value.get() = Some(value) };
        // Relaxed: the compare-and-swap below orders what matters.
        let mut flags = inner.flags.load(Ordering::Relaxed);
        loop {
            if flags & RECEIVER_GONE != 0 {
                // SAFETY: `SENT` was not set, so the receiver never reads the slot (rule 2).
                let value = unsafe { (*inner.value.get()).take() };
                return Err(value.expect("the value was put in above"));
            }
            // Release: publishes the value with `SENT` (rule 2).
            match inner.flags.compare_exchange_weak(
                flags,
                flags | SENT,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => flags = now,
            }
        }
        self.sent = true;
        inner.rx_waker.wake();
        Ok(())
    }

    /// Whether the receiver is closed or dropped (a value sent now would be returned).
    pub fn is_closed(&self) -> bool {
        self.inner.flags() & RECEIVER_GONE != 0
    }

    /// Waits until the receiver is closed or dropped: lets a producer stop working on a
    /// value nobody wants.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| {
            if self.is_closed() {
                return Poll::Ready(());
            }
            // Rule 1: register, then re-read.
            self.inner.tx_waker.register(cx.waker());
            if self.is_closed() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if !self.sent {
            self.inner.set(SENDER_GONE);
            self.inner.rx_waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("flags", &self.inner.flags())
            .finish_non_exhaustive()
    }
}

/// Receives the channel's one value: a future of it (`rx.await`), or [`Receiver::try_recv`].
///
/// # Cancel safety
///
/// Awaiting `&mut rx` is cancel safe: the value stays in the channel until a poll returns it.
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
    /// The value (or the error) was returned.
    done: bool,
    /// The id and interned creation site its waits carry, from its first wait (rule 4).
    described: Option<(ResourceId, u32)>,
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] while nothing was sent; [`TryRecvError::Closed`] when the
    /// sender was dropped without sending, or the value was already taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let flags = self.inner.flags();
        if flags & SENT != 0 {
            // SAFETY: rule 2: `SENT`, seen with `Acquire`, hands the slot over for good, and
            // `&mut self` excludes every other use on this side.
            return match unsafe { (*self.inner.value.get()).take() } {
                Some(value) => {
                    self.done = true;
                    Ok(value)
                }
                None => Err(TryRecvError::Closed),
            };
        }
        if flags & SENDER_GONE != 0 || self.done {
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Closes the channel: a later `send` fails and gives its value back. A value already
    /// sent can still be received.
    pub fn close(&mut self) {
        let before = self.inner.set(RECEIVER_GONE);
        // Only a sender that has neither sent (`send` consumes it) nor gone can be waiting in
        // `closed`, and only the first close wakes it.
        if before & (SENT | SENDER_GONE | RECEIVER_GONE) == 0 {
            self.inner.tx_waker.wake();
        }
    }

    /// Ready with the value or the error, from the flags as they are now.
    fn poll_flags(&mut self) -> Poll<Result<T, RecvError>> {
        match self.try_recv() {
            Ok(value) => Poll::Ready(Ok(value)),
            Err(TryRecvError::Closed) => {
                self.done = true;
                Poll::Ready(Err(RecvError(())))
            }
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let this = &mut *self;
        if let Poll::Ready(out) = this.poll_flags() {
            return Poll::Ready(out);
        }
        // Rule 1: register, then re-read.
        this.inner.rx_waker.register(cx.waker());
        if let Poll::Ready(out) = this.poll_flags() {
            return Poll::Ready(out);
        }
        // Rule 4.
        let created_at = this.inner.created_at;
        let (id, site) = *this
            .described
            .get_or_insert_with(|| (resource::local_id(), resource::site_number(created_at)));
        wait::set_described(id, DescribedKind::Oneshot, ResourceOp::Recv, site);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Once the value or the end was returned the sender is gone: nobody is left to tell.
        if !self.done && self.inner.flags() & RECEIVER_GONE == 0 {
            self.close();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.described.map(|(id, _)| id))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    /// The value moves from a sender thread to a receiver thread exactly once: received, or
    /// given back to the sender when the receiver closed first, never both (under Miri, its
    /// race detector checks every access to the slot, and a box catches a double drop).
    #[test]
    fn the_value_moves_once_between_threads() {
        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        for i in 0..rounds {
            let (tx, mut rx) = channel::<Box<u32>>();
            let sender = std::thread::spawn(move || tx.send(Box::new(i)));
            if i % 2 == 0 {
                assert_eq!(block_on(&mut rx), Ok(Box::new(i)));
                assert_eq!(sender.join().unwrap(), Ok(()));
            } else {
                rx.close();
                match sender.join().unwrap() {
                    Ok(()) => assert_eq!(rx.try_recv(), Ok(Box::new(i))),
                    Err(back) => {
                        assert_eq!(*back, i);
                        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                    }
                }
            }
        }
    }
}
