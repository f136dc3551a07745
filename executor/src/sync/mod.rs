//! Synchronization for tasks, with tokio's API shape (`tokio::sync`) so that a port is a
//! change of `use` lines, and visible in dumps (tokio-console's resources view, Go's
//! `[sync.Mutex.Lock]`).
//!
//! Each primitive is a resource: it has an id and the place it was created (`#[track_caller]`
//! constructors), and a dump's resources section lists it with its state, its holders and
//! its waiters. A [`oneshot`] channel is the exception: made by the thousand and rarely
//! waited on, it becomes a resource (with its id) the first time its receiver waits, so the
//! resources section lists the oneshots that have been waited on. A task waiting on one says
//! so in its title (`task 2 [idle, 1.20s, mutex #4
//! lock]`), and when waits form a cycle (task 2 waits for a mutex task 3 holds, task 3 waits
//! for one task 2 holds, or joins task 2) the dump starts with it:
//!
//! ```text
//! deadlock: task 2 waits for mutex #4 held by task 3; task 3 waits for mutex #5 held by task 2
//! ```
//!
//! | primitive | built on | holders named | wait shown |
//! | --- | --- | --- | --- |
//! | [`Mutex`] | one permit of the semaphore's queue | the guard's task | `mutex #N lock` |
//! | [`RwLock`] | `async_lock::RwLock` | readers and the writer | `rwlock #N read` / `write` |
//! | [`Semaphore`] | a permit word and a first-come first-served queue | each permit's task | `semaphore #N acquire` |
//! | [`Notify`] | a small locked state and `event-listener` | - | `notify #N notified` |
//! | [`oneshot`] | a slot, flags and two `AtomicWaker`s | - | `oneshot #N recv` |
//! | [`mpsc`] | `concurrent-queue`, and for room a permit queue | - | `mpsc #N recv` / `send` |
//! | [`watch`] | a `std` `RwLock` and `event-listener` | - | `watch #N changed` |
//! | [`Barrier`] | `async_lock::Barrier` | - | `barrier #N wait` |
//!
//! Holders are recorded when a guard or permit is created inside a task (a few stores and the
//! task's record found through one thread-local read; a hold taken outside any task is
//! counted, not named) and given back when it drops. A wait is
//! recorded when a future returns `Pending` (a few stores into the task's record). A dump
//! reads both from atomics only: it never locks a primitive it inspects. Channels, `Notify`,
//! `watch` and barriers name no holders (who will send cannot be known), so waits on them
//! are shown but never close a deadlock cycle.
//!
//! ```
//! use std::sync::Arc;
//! use executor::sync::{Mutex, Semaphore};
//!
//! # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
//! # rt.block_on(async {
//! let cache = Arc::new(Mutex::new(Vec::new()));
//! let slots = Arc::new(Semaphore::new(4));
//! let mut tasks = Vec::new();
//! for i in 0..8 {
//!     let (cache, slots) = (cache.clone(), slots.clone());
//!     tasks.push(executor::spawn(async move {
//!         let _slot = slots.acquire().await.unwrap();
//!         cache.lock().await.push(i);
//!     }));
//! }
//! for t in tasks {
//!     t.await.unwrap();
//! }
//! assert_eq!(cache.lock().await.len(), 8);
//! # });
//! ```

mod barrier;
mod error;
pub mod mpsc;
mod mutex;
mod notify;
pub mod oneshot;
pub(crate) mod permits;
mod rwlock;
mod semaphore;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult, Wait as BarrierWait};
pub use error::{AcquireError, TryAcquireError, TryLockError};
pub use mutex::{Lock, LockOwned, Mutex, MutexGuard, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use rwlock::{Read, RwLock, RwLockReadGuard, RwLockWriteGuard, Write};
pub use semaphore::{Acquire, AcquireOwned, OwnedSemaphorePermit, Semaphore, SemaphorePermit};

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>() {}
    fn sync<T: Sync>() {}

    /// The primitives, their guards and their futures cross threads where tokio's do (checked
    /// when this compiles); what must not (a guard of a `!Sync` value shared) is in the
    /// `compile_fail` examples on [`MutexGuard`] and [`oneshot::Sender`].
    #[test]
    fn primitives_are_send_and_sync_where_tokios_are() {
        send::<Mutex<std::cell::Cell<u8>>>();
        sync::<Mutex<std::cell::Cell<u8>>>();
        send::<MutexGuard<'static, std::cell::Cell<u8>>>();
        sync::<MutexGuard<'static, u8>>();
        send::<OwnedMutexGuard<u8>>();
        sync::<OwnedMutexGuard<u8>>();
        send::<Lock<'static, u8>>();
        send::<LockOwned<u8>>();
        send::<Semaphore>();
        sync::<Semaphore>();
        send::<Acquire<'static>>();
        send::<AcquireOwned>();
        send::<SemaphorePermit<'static>>();
        send::<OwnedSemaphorePermit>();
        send::<oneshot::Sender<std::cell::Cell<u8>>>();
        sync::<oneshot::Sender<std::cell::Cell<u8>>>();
        send::<oneshot::Receiver<std::cell::Cell<u8>>>();
        send::<mpsc::Sender<u8>>();
        sync::<mpsc::Sender<u8>>();
        send::<mpsc::Receiver<u8>>();
        send::<mpsc::Send<'static, u8>>();
        send::<mpsc::Recv<'static, u8>>();
        send::<mpsc::UnboundedSender<u8>>();
        send::<mpsc::UnboundedReceiver<u8>>();
    }
}
