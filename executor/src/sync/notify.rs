//! [`Notify`]: tokio's task notification, on a small locked state and `event-listener`, with
//! its waiters visible in dumps.
//!
//! Rules (all under `inner`'s lock, which no dump takes: dumps read the mirrors):
//! 1. `notify_one` hands a *token* to the registered waiters when there are more of them than
//!    tokens already handed out, and wakes one listener; otherwise it stores the one permit.
//! 2. A waiter takes a token (if registered) or the permit, else registers and listens. A
//!    token taken by another registered waiter than the one woken is fine: one `notify_one`,
//!    one waiter done; the woken one sees no token and listens again.
//! 3. `notify_waiters` bumps the generation: every `Notified` created before it completes
//!    (it compares the generation it was created in). Registrations and tokens start over.
//! 4. A registered waiter dropped while more tokens than waiters remain gives its token
//!    back, as rule 1 would (to another waiter, or as the permit): a notification given to a
//!    cancelled waiter is not lost.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener, Listener};
use introspect::ResourceKind;

use crate::locks::lock;
use crate::resource::{self, Resource, ResourceCore};
use crate::task::wait::{self, ResourceOp};

/// Wakes tasks waiting for an event, like `tokio::sync::Notify`: [`Notify::notify_one`] wakes
/// one waiter or, if none waits, lets the next [`Notify::notified`] complete at once;
/// [`Notify::notify_waiters`] wakes every waiter. Dumps list the waiters.
///
/// ```
/// use std::sync::Arc;
/// use executor::sync::Notify;
///
/// # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let ready = Arc::new(Notify::new());
/// let waiter = executor::spawn({
///     let ready = ready.clone();
///     async move { ready.notified().await }
/// });
/// ready.notify_one(); // wakes the waiter, or is stored for it
/// waiter.await.unwrap();
/// # });
/// ```
pub struct Notify {
    state: Arc<NotifyState>,
}

/// The shared state, registered as a resource.
struct NotifyState {
    core: ResourceCore,
    inner: Mutex<Inner>,
    /// Rule 3, read without the lock when a `Notified` is created.
    generation: AtomicU64,
    event: Event,
    /// A mirror of `inner.permit` for dumps.
    permit: AtomicBool,
    /// The last `notify_waiters` that found nobody waiting, and when (`clock` ticks): the
    /// classic lost notification, which a dump can then point at. Its own lock, taken only
    /// to store or copy the pair, and only tried by dumps.
    missed: Mutex<Option<(&'static Location<'static>, u64)>>,
}

/// What the lock protects.
#[derive(Debug, Default)]
struct Inner {
    /// Registered waiters of this generation.
    waiting: usize,
    /// Notifications handed to them and not yet taken (rule 1).
    tokens: usize,
    /// The stored permit.
    permit: bool,
}

impl Resource for NotifyState {
    fn core(&self) -> &ResourceCore {
        &self.core
    }

    fn detail(&self) -> Option<String> {
        let permit = self.permit.load(Ordering::Relaxed);
        let mut detail = if permit { "permit stored" } else { "no permit" }.to_owned();
        // Tried, never waited for: a dump must not block on a thread stopped holding it.
        if let Ok(missed) = self.missed.try_lock() {
            if let Some((at, when)) = *missed {
                detail.push_str(&format!(
                    "; notify_waiters at {}:{}:{} found no task waiting, {} ago",
                    at.file(),
                    at.line(),
                    at.column(),
                    introspect::HumanDuration(crate::clock::between(when, crate::clock::now()))
                ));
            }
        }
        Some(detail)
    }
}

impl NotifyState {
    /// Rule 1, under the lock.
    fn notify_one(&self, inner: &mut Inner) {
        if inner.waiting > inner.tokens {
            inner.tokens += 1;
            self.event.notify_additional(1);
        } else {
            inner.permit = true;
        }
        self.mirror(inner);
    }

    /// Updates the mirrors (Relaxed: read as a report only).
    fn mirror(&self, inner: &Inner) {
        self.permit.store(inner.permit, Ordering::Relaxed);
    }
}

impl Notify {
    /// A `Notify` with no permit stored. Dumps show the caller's location as where it was
    /// created.
    #[track_caller]
    pub fn new() -> Notify {
        Notify {
            state: resource::registered(NotifyState {
                core: ResourceCore::new(ResourceKind::Notify, Location::caller()),
                inner: Mutex::new(Inner::default()),
                generation: AtomicU64::new(0),
                event: Event::new(),
                permit: AtomicBool::new(false),
                missed: Mutex::new(None),
            }),
        }
    }

    /// A future that completes when this is notified: by a [`Notify::notify_one`] (including
    /// one stored before the future was first polled) or by a [`Notify::notify_waiters`]
    /// after this call.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in tokio's sense: a dropped `Notified` that had been handed a
    /// `notify_one` passes it on to another waiter, or stores it as the permit.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            // SeqCst: ordered with `notify_waiters`' increment (rule 3).
            generation: self.state.generation.load(Ordering::SeqCst),
            registered: false,
            listener: None,
        }
    }

    /// Wakes one waiting task, or stores a permit for the next `notified()` if none waits.
    /// At most one permit is stored.
    pub fn notify_one(&self) {
        let mut inner = lock(&self.state.inner);
        self.state.notify_one(&mut inner);
    }

    /// Wakes every task waiting now (every `Notified` created before this call). Stores no
    /// permit. A call that finds nobody waiting is remembered for dumps, with the caller's
    /// location: a waiter that arrives later waits for the next call, the lost notification
    /// a hung program so often turns out to be.
    #[track_caller]
    pub fn notify_waiters(&self) {
        let mut inner = lock(&self.state.inner);
        if inner.waiting == 0 {
            let missed = (Location::caller(), crate::clock::recent());
            *lock(&self.state.missed) = Some(missed);
        }
        self.state.generation.fetch_add(1, Ordering::SeqCst);
        inner.waiting = 0;
        inner.tokens = 0;
        self.state.mirror(&inner);
        self.state.event.notify_additional(usize::MAX);
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("id", &self.state.core.id())
            .finish_non_exhaustive()
    }
}

/// The future [`Notify::notified`] returns.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// The generation it was created in (rule 3).
    generation: u64,
    /// Counted in `Inner::waiting` of that generation.
    registered: bool,
    listener: Option<EventListener>,
}

impl Notified<'_> {
    /// Tries to complete, under the lock (rules 2 and 3).
    fn try_complete(&mut self, inner: &mut Inner) -> bool {
        let state = &self.notify.state;
        if state.generation.load(Ordering::SeqCst) != self.generation {
            // Rule 3: `notify_waiters` already uncounted every registration.
            self.registered = false;
            return true;
        }
        if self.registered && inner.tokens > 0 {
            inner.tokens -= 1;
            inner.waiting -= 1;
            self.registered = false;
            state.mirror(inner);
            return true;
        }
        if inner.permit {
            inner.permit = false;
            if self.registered {
                inner.waiting -= 1;
                self.registered = false;
            }
            state.mirror(inner);
            return true;
        }
        false
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            if let Some(listener) = &mut this.listener {
                if Pin::new(listener).poll(cx).is_ready() {
                    this.listener = None;
                } else if this.notify.state.generation.load(Ordering::SeqCst) == this.generation {
                    wait::set_resource(&this.notify.state.core, ResourceOp::Notified, 1);
                    return Poll::Pending;
                }
            }
            let state = this.notify.state.clone();
            let mut inner = lock(&state.inner);
            if this.try_complete(&mut inner) {
                // Used up: dropping it would pass a wake-up on to another waiter for nothing.
                if let Some(listener) = this.listener.take() {
                    listener.discard();
                }
                return Poll::Ready(());
            }
            if !this.registered {
                inner.waiting += 1;
                this.registered = true;
                state.mirror(&inner);
            }
            // Listening under the lock: every `notify_one` after this sees the registration
            // and its notification reaches this listener or a later-checked token.
            this.listener = Some(state.event.listen());
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        let state = &self.notify.state;
        let mut inner = lock(&state.inner);
        if state.generation.load(Ordering::SeqCst) != self.generation {
            return;
        }
        inner.waiting -= 1;
        if inner.tokens > inner.waiting {
            // Rule 4: a token meant for a waiter that is gone.
            inner.tokens -= 1;
            state.notify_one(&mut inner);
        } else {
            state.mirror(&inner);
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}
