//! A channel for one value, like `tokio::sync::oneshot`, whose waiting receiver dumps name:
//! `task 5 [idle, 2.10s, oneshot #7 recv]`.
//!
//! Rules:
//! 1. `flags` says what happened, each bit set once: [`SENT`] after the value is in `slot`,
//!    [`SENDER_GONE`] when the sender is dropped without sending, [`RECEIVER_GONE`] when the
//!    receiver is closed or dropped. Flags are `SeqCst` and set before `event` is notified;
//!    a waiter listens before it re-reads them, so it never sleeps through a change
//!    (event-listener's pattern).
//! 2. `slot` is locked only to put the value in (the sender, once) and take it out (the
//!    receiver, once): never by a dump, which reads `flags`.
//! 3. Nobody holds a oneshot: a waiting receiver waits for "whoever has the sender", which
//!    the runtime cannot name, so its waits are never edges of a deadlock cycle.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};
use introspect::ResourceKind;

use crate::resource::{self, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

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
    let state = resource::registered(State {
        core: ResourceCore::new(ResourceKind::Oneshot, Location::caller()),
        flags: AtomicU8::new(0),
        event: Event::new(),
    });
    let slot = Arc::new(Mutex::new(None));
    let tx = Sender {
        state: state.clone(),
        slot: slot.clone(),
        sent: false,
    };
    let rx = Receiver {
        state,
        slot,
        listener: None,
        done: false,
    };
    (tx, rx)
}

/// The shared state dumps see (no `T`).
struct State {
    core: ResourceCore,
    /// Rule 1.
    flags: AtomicU8,
    event: Event,
}

impl State {
    fn flags(&self) -> u8 {
        self.flags.load(Ordering::SeqCst)
    }

    /// Rule 1: sets `flag`, then wakes the other side.
    fn set(&self, flag: u8) {
        self.flags.fetch_or(flag, Ordering::SeqCst);
        self.event.notify_additional(usize::MAX);
    }
}

impl Resource for State {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let flags = self.flags.load(Ordering::Relaxed);
        let words = if flags & SENT != 0 {
            "value sent"
        } else if flags & SENDER_GONE != 0 {
            "sender dropped"
        } else if flags & RECEIVER_GONE != 0 {
            "receiver closed"
        } else {
            "empty"
        };
        Some(words.to_owned())
    }
}

/// Sends the channel's one value.
pub struct Sender<T> {
    state: Arc<State>,
    slot: Arc<Mutex<Option<T>>>,
    /// `send` ran: dropping is then not "gone without sending".
    sent: bool,
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    /// Gives `value` back when the receiver is already closed or dropped.
    pub fn send(mut self, value: T) -> Result<(), T> {
        if self.state.flags() & RECEIVER_GONE != 0 {
            return Err(value);
        }
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        self.sent = true;
        self.state.set(SENT);
        Ok(())
    }

    /// Whether the receiver is closed or dropped (a value sent now would be returned).
    pub fn is_closed(&self) -> bool {
        self.state.flags() & RECEIVER_GONE != 0
    }

    /// Waits until the receiver is closed or dropped: lets a producer stop working on a
    /// value nobody wants.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        let mut listener: Option<EventListener> = None;
        std::future::poll_fn(|cx| loop {
            if self.is_closed() {
                return Poll::Ready(());
            }
            match &mut listener {
                Some(l) => match Pin::new(l).poll(cx) {
                    Poll::Ready(()) => listener = None,
                    Poll::Pending => return Poll::Pending,
                },
                None => listener = Some(self.state.event.listen()),
            }
        })
        .await
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if !self.sent {
            self.state.set(SENDER_GONE);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// Receives the channel's one value: a future of it (`rx.await`), or [`Receiver::try_recv`].
///
/// # Cancel safety
///
/// Awaiting `&mut rx` is cancel safe: the value stays in the channel until a poll returns it.
pub struct Receiver<T> {
    state: Arc<State>,
    slot: Arc<Mutex<Option<T>>>,
    listener: Option<EventListener>,
    /// The value (or the error) was returned.
    done: bool,
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] while nothing was sent; [`TryRecvError::Closed`] when the
    /// sender was dropped without sending, or the value was already taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let flags = self.state.flags();
        if flags & SENT != 0 {
            let value = self.slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            return match value {
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
        self.state.set(RECEIVER_GONE);
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let this = &mut *self;
        loop {
            match this.try_recv() {
                Ok(value) => {
                    this.listener = None;
                    return Poll::Ready(Ok(value));
                }
                Err(TryRecvError::Closed) => {
                    this.listener = None;
                    this.done = true;
                    return Poll::Ready(Err(RecvError(())));
                }
                Err(TryRecvError::Empty) => {}
            }
            match &mut this.listener {
                Some(listener) => match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => {
                        wait::set_resource(&this.state.core, ResourceOp::Recv, 1);
                        return Poll::Pending;
                    }
                },
                // Rule 1: listen, then the loop re-reads the flags.
                None => this.listener = Some(this.state.event.listen()),
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.state.flags() & RECEIVER_GONE == 0 {
            self.state.set(RECEIVER_GONE);
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}
