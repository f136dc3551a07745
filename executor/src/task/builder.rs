//! [`Builder`]: spawn a task with a name.

use std::future::Future;

use crate::context;
use crate::runtime::Handle;
use crate::task::join::JoinHandle;
use crate::task::spawn::spawn_on;

/// Configures a task before spawning it.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// rt.block_on(async {
///     let h = executor::task::Builder::new()
///         .name("conn-42")
///         .spawn(async { "served" });
///     assert_eq!(h.await.unwrap(), "served");
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder for an unnamed task.
    pub fn new() -> Self {
        Builder::default()
    }

    /// The task's name, as shown in dumps (escaped there, so any text is safe).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Panics
    /// Outside a runtime (see [`crate::spawn`]).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let site = std::panic::Location::caller();
        context::with_current_shared(|shared| spawn_on(shared, future, self.name, site))
    }

    /// Spawns the task on the runtime of `handle`, from any thread.
    ///
    /// ```
    /// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
    /// let h = executor::task::Builder::new()
    ///     .name("from-outside")
    ///     .spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let site = std::panic::Location::caller();
        spawn_on(&handle.shared, future, self.name, site)
    }
}
