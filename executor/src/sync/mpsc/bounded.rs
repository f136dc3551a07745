//! The bounded channel: [`Sender`] and [`Receiver`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::error::{SendError, TryRecvError, TrySendError};
use super::recv::{Recv, RecvHalf};
use super::state::ChanState;
use crate::task::wait::{self, ResourceOp};

/// Sends values into a bounded channel ([`channel`](super::channel)); clone it for more
/// producers. The channel closes for the receiver when every sender is dropped.
pub struct Sender<T> {
    pub(super) tx: async_channel::Sender<T>,
    pub(super) state: Arc<ChanState>,
}

impl<T> Sender<T> {
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
            inner: self.tx.send(value),
            state: &self.state,
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.tx.try_send(value) {
            Ok(()) => {
                self.state.sent_one();
                Ok(())
            }
            Err(async_channel::TrySendError::Full(v)) => Err(TrySendError::Full(v)),
            Err(async_channel::TrySendError::Closed(v)) => Err(TrySendError::Closed(v)),
        }
    }

    /// Whether the receiver is closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Free slots now.
    pub fn capacity(&self) -> usize {
        self.max_capacity().saturating_sub(self.tx.len())
    }

    /// The capacity the channel was created with.
    pub fn max_capacity(&self) -> usize {
        self.tx.capacity().unwrap_or(usize::MAX)
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.state.sender_added();
        Sender {
            tx: self.tx.clone(),
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

pin_project! {
    /// The future [`Sender::send`] returns.
    #[must_use = "futures do nothing unless polled"]
    pub struct Send<'a, T> {
        #[pin]
        inner: async_channel::Send<'a, T>,
        state: &'a ChanState,
    }
}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(())) => {
                this.state.sent_one();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(async_channel::SendError(value))) => Poll::Ready(Err(SendError(value))),
            Poll::Pending => {
                wait::set_resource(&this.state.core, ResourceOp::Send, 1);
                Poll::Pending
            }
        }
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
