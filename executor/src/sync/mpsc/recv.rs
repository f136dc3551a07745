//! The receiving half both kinds of channel share, and its `recv` future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use concurrent_queue::ConcurrentQueue;

use super::error::TryRecvError;
use super::state::ChanState;
use crate::task::wait::{self, ResourceOp};

/// The queue and the channel's state.
pub(super) struct RecvHalf<T> {
    pub(super) queue: Arc<ConcurrentQueue<T>>,
    pub(super) state: Arc<ChanState>,
}

impl<T> RecvHalf<T> {
    pub(super) fn recv(&mut self) -> Recv<'_, T> {
        Recv { half: self }
    }

    /// A value, if one is queued now (and its room given back, `state.rs` rule 1).
    fn pop(&self) -> Option<T> {
        let value = self.queue.pop().ok()?;
        self.state.popped();
        Some(value)
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if let Some(value) = self.pop() {
            return Ok(value);
        }
        if self.state.is_finished() {
            // `state.rs` rule 2: the last pushes come with the flag.
            return self.pop().ok_or(TryRecvError::Disconnected);
        }
        Err(TryRecvError::Empty)
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.try_recv() {
            Ok(value) => return Poll::Ready(Some(value)),
            Err(TryRecvError::Disconnected) => return Poll::Ready(None),
            Err(TryRecvError::Empty) => {}
        }
        // `state.rs` rule 2: register, then look again.
        self.state.register_receiver(cx);
        match self.try_recv() {
            Ok(value) => Poll::Ready(Some(value)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => {
                wait::set_resource(&self.state.core, ResourceOp::Recv, 1);
                Poll::Pending
            }
        }
    }

    pub(super) fn close(&mut self) {
        self.state.close();
    }

    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }
}

impl<T> Drop for RecvHalf<T> {
    fn drop(&mut self) {
        self.state.receiver_dropped();
    }
}

impl<T> fmt::Debug for RecvHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// The future `recv` returns: the next value, or `None` once the channel is closed and
/// empty.
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    half: &'a mut RecvHalf<T>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.half.poll_recv(cx)
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
