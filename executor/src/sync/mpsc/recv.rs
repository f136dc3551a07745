//! The receiving half both kinds of channel share, and its `recv` future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::error::TryRecvError;
use super::state::ChanState;
use crate::task::wait::{self, ResourceOp};

/// async-channel's receiver and the channel's state.
pub(super) struct RecvHalf<T> {
    pub(super) rx: async_channel::Receiver<T>,
    pub(super) state: Arc<ChanState>,
}

impl<T> RecvHalf<T> {
    pub(super) fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            inner: self.rx.recv(),
            state: &self.state,
        }
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.rx.try_recv() {
            Ok(value) => {
                self.state.received_one();
                Ok(value)
            }
            Err(async_channel::TryRecvError::Empty) => Err(TryRecvError::Empty),
            Err(async_channel::TryRecvError::Closed) => Err(TryRecvError::Disconnected),
        }
    }

    pub(super) fn close(&mut self) {
        self.rx.close();
        self.state.set_closed();
    }

    pub(super) fn len(&self) -> usize {
        self.rx.len()
    }
}

impl<T> Drop for RecvHalf<T> {
    fn drop(&mut self) {
        self.state.set_closed();
    }
}

impl<T> fmt::Debug for RecvHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The future `recv` returns: the next value, or `None` once the channel is closed and
    /// empty.
    #[must_use = "futures do nothing unless polled"]
    pub struct Recv<'a, T> {
        #[pin]
        inner: async_channel::Recv<'a, T>,
        state: &'a ChanState,
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(value)) => {
                this.state.received_one();
                Poll::Ready(Some(value))
            }
            Poll::Ready(Err(async_channel::RecvError)) => Poll::Ready(None),
            Poll::Pending => {
                wait::set_resource(&this.state.core, ResourceOp::Recv, 1);
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}
