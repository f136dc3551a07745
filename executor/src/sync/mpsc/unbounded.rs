//! The unbounded channel: [`UnboundedSender`] and [`UnboundedReceiver`].

use std::fmt;
use std::sync::Arc;

use concurrent_queue::ConcurrentQueue;

use super::error::{SendError, TryRecvError};
use super::recv::{Recv, RecvHalf};
use super::state::ChanState;

/// Sends values into an unbounded channel ([`unbounded_channel`](super::unbounded_channel))
/// without waiting; clone it for more producers.
pub struct UnboundedSender<T> {
    pub(super) queue: Arc<ConcurrentQueue<T>>,
    pub(super) state: Arc<ChanState>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` now (the queue grows as needed).
    ///
    /// # Errors
    /// [`SendError`] with the value when the receiver is closed or dropped.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.state.is_closed() {
            return Err(SendError(value));
        }
        match self.queue.push(value) {
            Ok(()) => {
                self.state.pushed();
                Ok(())
            }
            // Unbounded and never closed: a push cannot fail.
            Err(e) => Err(SendError(e.into_inner())),
        }
    }

    /// Whether the receiver is closed or dropped.
    pub fn is_closed(&self) -> bool {
        self.state.is_closed()
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        self.state.sender_added();
        UnboundedSender {
            queue: self.queue.clone(),
            state: self.state.clone(),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.state.sender_dropped();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// Receives the values of an unbounded channel
/// ([`unbounded_channel`](super::unbounded_channel)).
#[derive(Debug)]
pub struct UnboundedReceiver<T> {
    pub(super) half: RecvHalf<T>,
}

impl<T> UnboundedReceiver<T> {
    /// The next value, waiting for one; `None` once every sender is gone (or the channel was
    /// closed) and the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `recv` future took no value.
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
