//! A channel that keeps one value and tells receivers when it changes, like
//! `tokio::sync::watch`.
//!
//! Rules:
//! 1. The value is behind a `std::sync::RwLock`, locked only for short borrows and writes
//!    (never across an `.await`, never by a dump). The version is bumped while the write lock
//!    is held, so a reader holding the read lock sees the version of the value it reads.
//! 2. A receiver remembers the version it saw; `changed` completes when the version differs.
//!    Versions and the closed flag are `SeqCst` and set before `event` is notified; a waiter
//!    listens before it re-reads them (event-listener's pattern).
//! 3. Nobody holds a watch channel: a waiting receiver waits for "whoever has the sender",
//!    which the runtime cannot name, so its waits are never edges of a deadlock cycle.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::task::{Context, Poll};

use event_listener::EventListener;
use introspect::ResourceKind;

use crate::resource::{self, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// Errors of the watch channel.
pub mod error {
    use std::fmt;

    /// Every receiver is gone: the value comes back. The same type as mpsc's.
    pub use crate::sync::mpsc::error::SendError;

    /// The sender is gone and the receiver has seen its last value.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

pub use error::{RecvError, SendError};

/// A new watch channel holding `init`. Dumps show the caller's location as where it was
/// created.
///
/// ```
/// use executor::sync::watch;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = watch::channel("starting");
/// let watcher = executor::spawn(async move {
///     rx.changed().await.unwrap();
///     *rx.borrow_and_update()
/// });
/// tx.send("ready").unwrap();
/// assert_eq!(watcher.await.unwrap(), "ready");
/// # });
/// ```
#[track_caller]
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let state = resource::registered(State {
        core: ResourceCore::new(ResourceKind::Watch, Location::caller()),
        version: AtomicU64::new(0),
        closed: AtomicBool::new(false),
        receivers: AtomicUsize::new(1),
        event: event_listener::Event::new(),
    });
    let value = Arc::new(RwLock::new(init));
    let tx = Sender {
        state: state.clone(),
        value: value.clone(),
    };
    let rx = Receiver {
        state,
        value,
        seen: 0,
    };
    (tx, rx)
}

/// The shared state dumps see (no `T`).
struct State {
    core: ResourceCore,
    /// Rule 2.
    version: AtomicU64,
    /// The sender is gone.
    closed: AtomicBool,
    receivers: AtomicUsize,
    event: event_listener::Event,
}

impl Resource for State {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let version = self.version.load(Ordering::Relaxed);
        let receivers = self.receivers.load(Ordering::Relaxed);
        let noun = if receivers == 1 {
            "receiver"
        } else {
            "receivers"
        };
        let closed = if self.closed.load(Ordering::Relaxed) {
            ", sender dropped"
        } else {
            ""
        };
        Some(format!("version {version}, {receivers} {noun}{closed}"))
    }
}

fn read<T>(value: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // A panic inside `send_modify`'s closure poisons the lock; the value is still the
    // sender's to define, as in tokio.
    value.read().unwrap_or_else(|e| e.into_inner())
}

/// Sets the channel's value.
pub struct Sender<T> {
    state: Arc<State>,
    value: Arc<RwLock<T>>,
}

impl<T> Sender<T> {
    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    /// [`SendError`] with the value when no receiver is left (the value is not stored).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.state.receivers.load(Ordering::SeqCst) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value, even with no receiver left, notifies the receivers, and returns
    /// the old value.
    pub fn send_replace(&self, value: T) -> T {
        let mut old = Some(value);
        self.send_modify(|v| old = Some(std::mem::replace(v, old.take().expect("set above"))));
        old.expect("set by the closure")
    }

    /// Changes the value in place and notifies the receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Changes the value in place; notifies the receivers if `modify` returns true. Returns
    /// what `modify` returned.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut value = self.value.write().unwrap_or_else(|e| e.into_inner());
        if !modify(&mut value) {
            return false;
        }
        // Rule 1: bumped under the write lock.
        self.state.version.fetch_add(1, Ordering::SeqCst);
        drop(value);
        self.state.event.notify_additional(usize::MAX);
        true
    }

    /// The current value, read-locked while the borrow lives (keep it short).
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: read(&self.value),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.state.receivers.fetch_add(1, Ordering::SeqCst);
        let guard = read(&self.value);
        let seen = self.state.version.load(Ordering::SeqCst);
        drop(guard);
        Receiver {
            state: self.state.clone(),
            value: self.value.clone(),
            seen,
        }
    }

    /// How many receivers are alive.
    pub fn receiver_count(&self) -> usize {
        self.state.receivers.load(Ordering::SeqCst)
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // Rule 2: set, then notify.
        self.state.closed.store(true, Ordering::SeqCst);
        self.state.event.notify_additional(usize::MAX);
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// Reads the channel's value and waits for changes; clone it for more receivers.
pub struct Receiver<T> {
    state: Arc<State>,
    value: Arc<RwLock<T>>,
    /// The version this receiver has seen (rule 2).
    seen: u64,
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen; read-locked while the borrow lives (keep
    /// it short, and never across an `.await`).
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = read(&self.value);
        let has_changed = self.state.version.load(Ordering::SeqCst) != self.seen;
        Ref { guard, has_changed }
    }

    /// The current value, marked seen: a later [`Receiver::changed`] waits for a newer one.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = read(&self.value);
        // Rule 1: under the read lock, the version is the value's.
        let version = self.state.version.load(Ordering::SeqCst);
        let has_changed = version != self.seen;
        self.seen = version;
        Ref { guard, has_changed }
    }

    /// Whether a value this receiver has not seen is there.
    ///
    /// # Errors
    /// [`RecvError`] when the sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.state.closed.load(Ordering::SeqCst) {
            return Err(RecvError(()));
        }
        Ok(self.state.version.load(Ordering::SeqCst) != self.seen)
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// # Errors
    /// [`RecvError`] when the sender is gone and every value was seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `changed` future marked nothing seen.
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            receiver: self,
            listener: None,
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.state.receivers.fetch_add(1, Ordering::SeqCst);
        Receiver {
            state: self.state.clone(),
            value: self.value.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.state.receivers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("id", &self.state.core.id())
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

/// The future [`Receiver::changed`] returns.
#[must_use = "futures do nothing unless polled"]
pub struct Changed<'a, T> {
    receiver: &'a mut Receiver<T>,
    listener: Option<EventListener>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            let state = &this.receiver.state;
            let version = state.version.load(Ordering::SeqCst);
            if version != this.receiver.seen {
                this.receiver.seen = version;
                return Poll::Ready(Ok(()));
            }
            if state.closed.load(Ordering::SeqCst) {
                return Poll::Ready(Err(RecvError(())));
            }
            match &mut this.listener {
                Some(listener) => match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => {
                        wait::set_resource(&state.core, ResourceOp::Changed, 1);
                        return Poll::Pending;
                    }
                },
                // Rule 2: listen, then the loop re-reads.
                None => this.listener = Some(state.event.listen()),
            }
        }
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed").finish_non_exhaustive()
    }
}

/// A borrow of a watch channel's value (read-locked while it lives).
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value was new to the receiver when it was borrowed (always false for the
    /// sender's borrow).
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
