//! [`Runtime`] and [`Handle`].

use std::fmt;
use std::future::Future;
use std::sync::Mutex as StdMutex;
use std::sync::Weak;
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

use crate::block_on::{block_on, BlockOnKind};
use crate::config::{BuildError, Builder, Config};
use crate::loom_sync::{Arc, Ordering};
use crate::scheduler::{spawn_workers, Shared};
use crate::task::spawn::spawn_on;
use crate::task::JoinHandle;
use crate::{context, env, fatal};

/// Every runtime alive in the process, for the fatal path (fatal errors are process-wide).
/// Locked only when a runtime starts or stops, and `try_lock`ed by the fatal path.
pub(crate) static RUNTIMES: StdMutex<Vec<Weak<Shared>>> = StdMutex::new(Vec::new());

/// A multi-threaded work-stealing runtime.
///
/// Dropping it stops the workers, drops every task that has not finished (their destructors
/// run exactly once) and joins the threads.
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
/// let out = rt.block_on(async {
///     let h = executor::spawn(async { "hello" });
///     h.await.unwrap()
/// });
/// assert_eq!(out, "hello");
/// ```
pub struct Runtime {
    handle: Handle,
    threads: Vec<ThreadHandle<()>>,
}

/// A cheap, cloneable reference to a [`Runtime`], usable from any thread.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Runtime {
    /// A [`Builder`] with the defaults.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime with the defaults (one worker per core).
    pub fn new() -> Result<Runtime, BuildError> {
        Builder::new().build()
    }

    pub(crate) fn start(mut config: Config, workers: usize) -> Result<Runtime, BuildError> {
        env::apply_overrides(&mut config);
        fatal::install_panic_hook();
        // Miri cannot run the `atexit` call or the signal thread's pipes; the paths they
        // guard end the process, which Miri's tests never do.
        #[cfg(not(miri))]
        fatal::install_exit_hold();
        #[cfg(not(miri))]
        if config.sigquit {
            fatal::signal::install_sigquit_handler();
        }
        let (shared, queues) = Shared::new(config, workers);
        let shared = Arc::new(shared);
        {
            let mut all = RUNTIMES.lock().unwrap_or_else(|e| e.into_inner());
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&shared));
        }
        let handle = Handle { shared };
        #[cfg(not(miri))]
        if let Err(e) = crate::stack::install() {
            // Dumps say so where a stack is missing; say it once here too.
            eprintln!("executor: native stacks of running tasks are off: {e}");
        }
        match spawn_workers(&handle.shared, queues) {
            Ok(threads) => {
                crate::watchdog::start(&handle.shared);
                Ok(Runtime { handle, threads })
            }
            Err(e) => {
                // Threads that did start see the shutdown flag and exit.
                shutdown(&handle.shared, Vec::new());
                Err(BuildError::Spawn(e.to_string()))
            }
        }
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` on the calling thread until it completes, while the workers run
    /// spawned tasks. Inside it, [`crate::spawn`] and [`Handle::current`] refer to this
    /// runtime.
    ///
    /// # Panics
    /// When called from inside a task (it would block a thread that polls tasks).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Like dropping the runtime, but gives up waiting for worker threads after `timeout`
    /// (a task stuck in a long poll keeps its worker busy); those threads are left running
    /// detached.
    ///
    /// A timeout too large to add to the clock (such as `Duration::MAX`) waits without bound,
    /// as dropping the runtime does.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        let threads = std::mem::take(&mut self.threads);
        let deadline = Instant::now().checked_add(timeout);
        shutdown_with_deadline(&self.handle.shared, threads, deadline);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let threads = std::mem::take(&mut self.threads);
        shutdown(&self.handle.shared, threads);
    }
}

fn shutdown(shared: &Arc<Shared>, threads: Vec<ThreadHandle<()>>) {
    shutdown_with_deadline(shared, threads, None)
}

/// Stops the workers, then drops every task that is still alive.
fn shutdown_with_deadline(
    shared: &Arc<Shared>,
    threads: Vec<ThreadHandle<()>>,
    deadline: Option<Instant>,
) {
    // I6: tearing tasks down (running their destructors) during a fatal dump would let the
    // program go on, and maybe exit, while the dump is written. Checked again at every step
    // below, because a fatal error may come while shutdown runs.
    crate::freeze::hold();
    if shared.shutdown.swap(true, Ordering::AcqRel) {
        return;
    }
    // Closing makes every later push fail (the task goes to the graveyard instead), so no
    // wake racing with the drains below can strand a task in a queue (which would keep the
    // runtime alive through a cycle).
    shared.injector.close();
    shared.idle.notify_all();
    let me = std::thread::current().id();
    for t in threads {
        if t.thread().id() == me {
            // The runtime is dropped on one of its own workers (inside a task's destructor):
            // that worker exits when it returns to its loop; it cannot join itself.
            continue;
        }
        match deadline {
            None => {
                let _ = t.join();
            }
            Some(d) => {
                while !t.is_finished() && Instant::now() < d {
                    crate::freeze::hold();
                    std::thread::sleep(Duration::from_millis(1));
                }
                if t.is_finished() {
                    let _ = t.join();
                }
            }
        }
    }
    crate::freeze::hold();
    // Tasks still queued: dropping a Runnable drops its future.
    while let Ok(r) = shared.injector.pop() {
        drop(r);
    }
    // The local queues, from their stealer side: their workers have exited, or, when this
    // thread stopped waiting for them, drain their own queues when they do (worker.rs).
    for w in shared.workers.iter() {
        while let Some(r) = w.queue.pop() {
            drop(r);
        }
    }
    // Tasks waiting for a wake that may never come: wake them, and the schedule function
    // buries them (the runtime is shut down); then drop what was buried, here, outside any
    // waker caller's lock. Destructors may wake or spawn others, so repeat until nothing is
    // left.
    loop {
        crate::freeze::hold();
        let wakers = shared.registry.take_wakers();
        let woke = !wakers.is_empty();
        for w in wakers {
            w.wake();
        }
        while let Ok(r) = shared.injector.pop() {
            drop(r);
        }
        let buried = shared.drain_graveyard();
        if !woke && buried == 0 {
            break;
        }
    }
    let mut all = RUNTIMES.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Arc::as_ptr(shared)));
    drop(all);
    // A fatal error raised while the tasks were torn down: returning would let `main`
    // return, and the process exit, mid-dump.
    crate::freeze::hold();
}

impl Handle {
    /// The handle of the runtime this thread is in (a worker, or inside `block_on`).
    ///
    /// # Panics
    /// Outside a runtime; see [`Handle::try_current`].
    #[track_caller]
    pub fn current() -> Handle {
        context::with_current_shared(|shared| Handle {
            shared: shared.clone(),
        })
    }

    /// The handle of the runtime this thread is in, if any.
    pub fn try_current() -> Option<Handle> {
        context::try_current_shared().map(|shared| Handle { shared })
    }

    /// Spawns a task on this runtime, from any thread.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on(&self.shared, future, None, std::panic::Location::caller())
    }

    /// Runs `future` on the calling thread; see [`Runtime::block_on`].
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let kind = BlockOnKind {
            name: Some("block_on"),
            panic_is_fatal: false,
        };
        block_on(&self.shared, future, kind, std::panic::Location::caller())
    }

    /// The main future of `#[executor::main]`: named `main`, and a panic escaping it is fatal.
    #[track_caller]
    pub(crate) fn block_on_main<F: Future>(&self, future: F) -> F::Output {
        let kind = BlockOnKind {
            name: Some("main"),
            panic_is_fatal: true,
        };
        block_on(&self.shared, future, kind, std::panic::Location::caller())
    }

    /// How many worker threads the runtime has.
    pub fn worker_threads(&self) -> usize {
        self.shared.workers.len()
    }

    /// The freeze policy in force (after environment overrides).
    pub fn freeze_policy(&self) -> crate::FreezePolicy {
        self.shared.policy()
    }
}

impl futures::task::Spawn for Handle {
    fn spawn_obj(
        &self,
        future: futures::task::FutureObj<'static, ()>,
    ) -> Result<(), futures::task::SpawnError> {
        if self.shared.is_shutdown() {
            return Err(futures::task::SpawnError::shutdown());
        }
        drop(self.spawn(future));
        Ok(())
    }

    fn status(&self) -> Result<(), futures::task::SpawnError> {
        if self.shared.is_shutdown() {
            Err(futures::task::SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.handle.shared.workers.len())
            .field("policy", &self.handle.shared.policy())
            .finish()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.workers.len())
            .finish()
    }
}
