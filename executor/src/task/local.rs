//! Task-local values: [`task_local!`](crate::task_local), [`LocalKey`], [`TaskLocalFuture`].
//!
//! A task moves between workers, so a thread-local cannot hold a value for it. A task-local
//! is a thread-local that holds the value only while the future that owns it is being
//! polled, on whichever thread polls it.
//!
//! Rules:
//! 1. The value lives in its scope: in a [`TaskLocalFuture`]'s slot while the future is not
//!    being polled, in the key's thread-local (a `RefCell<Option<T>>`) while it is.
//! 2. Entering a scope swaps the scope's slot with the thread-local, and leaving it swaps them
//!    back, on return and on unwind alike (a guard does it), so the thread-local holds again
//!    what it held before: the enclosing scope's value, or nothing.
//! 3. Readers ([`LocalKey::with`]) borrow the thread-local shared for the length of their
//!    closure; entering a scope borrows it mutably for the swap only. Entering a scope of the
//!    same key inside a reader's closure is the one conflict, and it panics.
//! 4. Nothing else touches the thread-local: a task spawned inside a scope is polled outside
//!    it and sees nothing.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

/// Declares task-local keys: `static NAME: Type;`, with optional attributes and visibility,
/// each a [`LocalKey`].
///
/// A value is set for the length of a future with [`LocalKey::scope`] (or of a closure
/// with [`LocalKey::sync_scope`]) and read inside it with [`LocalKey::with`],
/// [`LocalKey::try_with`] or [`LocalKey::get`]. Unlike a `thread_local!`, it has no
/// initial value, and it follows the future from worker to worker.
///
/// ```
/// executor::task_local! {
///     /// The request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(REQUEST_ID.scope(7, async {
///     assert_eq!(REQUEST_ID.get(), 7);
///     executor::yield_now().await;
///     assert_eq!(REQUEST_ID.get(), 7);
///     USER.scope("ana".to_owned(), async {
///         USER.with(|user| assert_eq!(user, "ana"));
///     })
///     .await;
///     assert!(USER.try_with(|_| ()).is_err());
/// }));
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_inner!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]: a thread-local cell of its own, wrapped in a [`LocalKey`].
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_inner {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __EXECUTOR_TASK_LOCAL: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(&__EXECUTOR_TASK_LOCAL, ::std::stringify!($name))
        };
    };
}

/// A key for task-local values, declared with [`task_local!`](crate::task_local).
///
/// The value is visible only inside [`LocalKey::scope`] or [`LocalKey::sync_scope`], and only
/// to the code that runs as part of that future or closure: not to tasks it spawns (they
/// are polled outside the scope), not to other tasks on the same worker.
pub struct LocalKey<T: 'static> {
    /// The thread-local that holds the value while a scope is entered (module rules 1-2).
    cell: &'static std::thread::LocalKey<RefCell<Option<T>>>,
    /// The key's name, for panic messages.
    name: &'static str,
}

/// Why a task-local value could not be read: no scope of its key is entered here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}

/// Why a scope could not be entered.
enum ScopeError {
    /// A reader of the same key is running further up the stack (module rule 3).
    Borrowed,
    /// The thread-local is being destroyed (the thread is exiting).
    Destroyed,
}

impl<T: 'static> LocalKey<T> {
    /// Used by [`task_local!`](crate::task_local) only.
    #[doc(hidden)]
    pub const fn __new(
        cell: &'static std::thread::LocalKey<RefCell<Option<T>>>,
        name: &'static str,
    ) -> Self {
        LocalKey { cell, name }
    }

    /// Makes `value` the key's value while `future` runs; the value is dropped with the
    /// returned future.
    ///
    /// Scopes nest: an inner scope of the same key hides the outer value until it ends.
    ///
    /// # Panics
    /// The returned future panics if it is polled inside [`LocalKey::with`] or
    /// [`LocalKey::try_with`] of the same key.
    ///
    /// ```
    /// executor::task_local! { static DEPTH: u32; }
    ///
    /// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// rt.block_on(DEPTH.scope(1, async {
    ///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
    ///     assert_eq!(DEPTH.get(), 1);
    /// }));
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Makes `value` the key's value while `f` runs, then drops it.
    ///
    /// # Panics
    /// Inside [`LocalKey::with`] or [`LocalKey::try_with`] of the same key.
    ///
    /// ```
    /// executor::task_local! { static LIMIT: usize; }
    ///
    /// let doubled = LIMIT.sync_scope(4, || LIMIT.get() * 2);
    /// assert_eq!(doubled, 8);
    /// assert!(LIMIT.try_with(|_| ()).is_err());
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.enter(&mut slot, f) {
            Ok(out) => out,
            Err(e) => self.scope_failed(e),
        }
    }

    /// Calls `f` with the key's value.
    ///
    /// # Panics
    /// Outside a scope of the key, with the caller's location; see [`LocalKey::try_with`].
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(out) => out,
            Err(AccessError { .. }) => {
                let name = self.name;
                panic!(
                    "task-local `{name}` is not set here: read it inside `{name}.scope(..)` or \
                     `{name}.sync_scope(..)` (tasks spawned there do not inherit it)"
                )
            }
        }
    }

    /// Calls `f` with the key's value, or fails outside a scope of the key.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let read = self.cell.try_with(|cell| {
            // Shared borrow for the length of `f` (rule 3); a mutable borrow exists only
            // within `enter`'s swaps, never while user code runs, so this cannot fail.
            let value = cell.borrow();
            value.as_ref().map(f)
        });
        match read {
            Ok(Some(out)) => Ok(out),
            // No scope entered, or the thread is exiting and its thread-local is gone.
            Ok(None) | Err(_) => Err(AccessError { _private: () }),
        }
    }

    /// Runs `f` with `slot`'s value in the thread-local (rule 2): swaps in, runs, swaps back,
    /// even if `f` unwinds.
    fn enter<F, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        let swapped = self.cell.try_with(|cell| {
            let mut current = cell.try_borrow_mut().map_err(|_| ScopeError::Borrowed)?;
            std::mem::swap(slot, &mut *current);
            Ok(())
        });
        match swapped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(ScopeError::Destroyed),
        }

        /// Swaps the values back when dropped, so an unwinding `f` restores them too.
        struct Restore<'s, T: 'static> {
            key: &'static LocalKey<T>,
            slot: &'s mut Option<T>,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // The thread-local was alive and free a moment ago on this thread. Readers
                // borrow it only inside their closures, which end (or unwind) before this
                // guard drops, and a scope entered inside `f` restored it before returning:
                // nothing holds a borrow now.
                let _ = self.key.cell.try_with(|cell| {
                    if let Ok(mut current) = cell.try_borrow_mut() {
                        std::mem::swap(self.slot, &mut *current);
                    }
                });
            }
        }

        let _restore = Restore { key: self, slot };
        Ok(f())
    }

    #[track_caller]
    fn scope_failed(&'static self, e: ScopeError) -> ! {
        match e {
            ScopeError::Borrowed => {
                let name = self.name;
                panic!(
                    "cannot enter a scope of task-local `{name}` inside `{name}.with(..)`: \
                     the value is borrowed there"
                )
            }
            ScopeError::Destroyed => panic!(
                "cannot enter a scope of task-local `{}`: this thread's storage for it is \
                 being destroyed",
                self.name
            ),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the key's value. (tokio asks for `T: Copy`; any `Copy` type is `Clone`.)
    ///
    /// # Panics
    /// Outside a scope of the key, with the caller's location.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// A future run with a task-local value set: see [`LocalKey::scope`].
    ///
    /// Its inner future is also dropped inside the scope, so destructors can read the value.
    #[must_use = "futures do nothing unless awaited"]
    pub struct TaskLocalFuture<T: 'static, F> {
        // (Plain comments: pin-project-lite takes no doc comments on fields.)
        // The key whose scope this is.
        key: &'static LocalKey<T>,
        // The value while the future is not being polled (rule 1).
        slot: Option<T>,
        // The scoped future; `None` once it has completed.
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                // Inside the scope, as tokio does; if it cannot be entered (a reader of the
                // key is on the stack, or the thread is exiting) the future is dropped
                // outside it with the rest of `self`.
                let _ = this.key.enter(this.slot, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope, if it is still there: a scope that is no longer
    /// polled gives it back to the caller. The inner future, if polled again, runs without it.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.key.enter(this.slot, || {
            let inner = future.as_mut().as_pin_mut()?;
            let out = inner.poll(cx);
            if out.is_ready() {
                // Dropped inside the scope, like the value's other users.
                future.set(None);
            }
            Some(out)
        });
        match polled {
            Ok(Some(out)) => out,
            Ok(None) => panic!("TaskLocalFuture polled after it completed"),
            Err(e) => this.key.scope_failed(e),
        }
    }
}

impl<T: 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("key", &self.key.name)
            .field("has_value", &self.slot.is_some())
            .finish_non_exhaustive()
    }
}
