//! The bounded channel: [`Sender`] and [`Receiver`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use concurrent_queue::ConcurrentQueue;

use super::error::{SendError, TryRecvError, TrySendError};
use super::recv::{Recv, RecvHalf};
use super::state::ChanState;
use crate::sync::error::TryAcquireError;
use crate::sync::permits::{Acquired, Permits, Waiter};
use crate::task::wait::{self, ResourceOp};

/// Sends values into a bounded channel ([`channel`](super::channel)); clone it for more
/// producers. The channel closes for the receiver when every sender is dropped.
///
/// Senders that wait for room are served first come, first served.
pub struct Sender<T> {
    pub(super) queue: Arc<ConcurrentQueue<T>>,
    pub(super) state: Arc<ChanState>,
}

impl<T> Sender<T> {
    /// The channel's room (`state.rs` rule 1).
    fn room(&self) -> &Permits {
        self.state
            .room
            .as_ref()
            .expect("a bounded channel has room permits")
    }

    /// Pushes `value` with the room just taken for it, and wakes the receiver.
    fn push(&self, value: T) {
        // Cannot fail: a value is pushed only with a permit, and there are `capacity` of them
        // (`state.rs` rule 1); the queue is never closed.
        if self.queue.push(value).is_err() {
            unreachable!("a bounded channel's queue overflowed its permits");
        }
        self.state.pushed();
    }

    /// Sends `value`, waiting while the channel is full.
    ///
    /// # Errors
    /// [`SendError`] with the value when the receiver is closed or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that a dropped `send` future sent nothing (the value is
    /// dropped with it) and gave up its place in the queue of waiting senders.
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            sender: self,
            value: Some(value),
            wait: Waiter::new(1),
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.room().try_acquire(1) {
            Ok(()) => {
                self.push(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Whether the receiver is closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.state.is_closed()
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.room().available()
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.state.capacity().unwrap_or(usize::MAX)
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.state.sender_added();
        Sender {
            queue: self.queue.clone(),
            state: self.state.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.state.sender_dropped();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// The future [`Sender::send`] returns.
#[must_use = "futures do nothing unless polled"]
pub struct Send<'a, T> {
    sender: &'a Sender<T>,
    /// Until it is pushed (or given back in the error).
    value: Option<T>,
    /// Waiting for room.
    wait: Waiter,
}

// The value is never pinned: it is moved into the queue (or the error) by value.
impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let sender = this.sender;
        let acquired = match sender.room().poll_acquire(cx, &mut this.wait) {
            Poll::Ready(acquired) => acquired,
            Poll::Pending => {
                wait::set_resource(&sender.state.core, ResourceOp::Send, 1);
                return Poll::Pending;
            }
        };
        let value = this
            .value
            .take()
            .expect("Send polled after it returned Ready");
        match acquired {
            Acquired::Permits => {
                sender.push(value);
                Poll::Ready(Ok(()))
            }
            Acquired::Closed => Poll::Ready(Err(SendError(value))),
        }
    }
}

impl<T> Drop for Send<'_, T> {
    fn drop(&mut self) {
        // Room it was handed and never used goes to the next sender (`permits.rs` rule 5).
        self.sender.room().cancel(&mut self.wait);
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Send").finish_non_exhaustive()
    }
}

/// Receives the values of a bounded channel ([`channel`](super::channel)).
#[derive(Debug)]
pub struct Receiver<T> {
    pub(super) half: RecvHalf<T>,
}

impl<T> Receiver<T> {
    /// The next value, waiting for one; `None` once every sender is gone (or the channel was
    /// closed) and the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `recv` future took no value, so using it in `select!` loses
    /// nothing.
    pub fn recv(&mut self) -> Recv<'_, T> {
        self.half.recv()
    }

    /// The next value if one is queued now.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.half.try_recv()
    }

    /// Closes the channel: senders fail from now on, and what is queued can still be
    /// received.
    pub fn close(&mut self) {
        self.half.close();
    }

    /// Values queued now.
    pub fn len(&self) -> usize {
        self.half.len()
    }

    /// Whether nothing is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
