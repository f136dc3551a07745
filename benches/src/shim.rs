//! One small trait, [`Rt`], in front of each runtime: spawn from outside, spawn from inside a
//! task, and block on a future. Each runtime is built once per benchmark group, outside the
//! timed loop, with the same worker count.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::thread;

/// A spawned task's handle: a future of the task's output that can also be detached.
///
/// A task that panicked re-raises its panic in whoever awaits the handle, so a broken workload
/// fails loudly instead of being timed.
pub trait TaskHandle<T>: Future<Output = T> + Send + Unpin + 'static {
    /// Lets the task run to completion without anyone awaiting it.
    fn detach(self);
}

/// What a workload needs from a runtime.
pub trait Rt: Send + Sync + Sized + 'static {
    /// The name used as the criterion function id and in tables.
    const NAME: &'static str;

    /// The handle [`Rt::spawn`] and [`Rt::spawn_inside`] return.
    type Join<T: Send + 'static>: TaskHandle<T>;

    /// Builds the runtime with `workers` worker threads.
    fn new(workers: usize) -> Self;

    /// Spawns from outside the runtime (any thread, through a reference to it).
    fn spawn<F>(&self, future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns onto the runtime the caller is running in, the way a task spawns a child
    /// (`tokio::spawn`, `executor::spawn`). Panics outside a runtime.
    fn spawn_inside<F>(future: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Runs `future` to completion on the calling thread; tasks it spawns run on the workers.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
}

// ---------------------------------------------------------------------------------------------
// executor (this workspace)

/// This workspace's runtime.
#[derive(Debug)]
pub struct ExecutorRt {
    /// The runtime; dropping it shuts the workers down.
    rt: executor::Runtime,
}

impl ExecutorRt {
    /// The runtime, for what only it can do (snapshots).
    pub fn runtime(&self) -> &executor::Runtime {
        &self.rt
    }
}

/// An [`ExecutorRt`] task handle.
#[derive(Debug)]
pub struct ExecutorJoin<T>(executor::JoinHandle<T>);

impl<T> Future for ExecutorJoin<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match ready!(Pin::new(&mut self.0).poll(cx)) {
            Ok(value) => Poll::Ready(value),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("executor task failed: {error}"),
        }
    }
}

impl<T: Send + 'static> TaskHandle<T> for ExecutorJoin<T> {
    fn detach(self) {
        // Dropping an executor JoinHandle detaches the task.
        drop(self);
    }
}

impl Rt for ExecutorRt {
    const NAME: &'static str = "executor";
    type Join<T: Send + 'static> = ExecutorJoin<T>;

    fn new(workers: usize) -> Self {
        let rt = executor::Runtime::builder()
            .worker_threads(workers)
            .build()
            .unwrap_or_else(|error| panic!("cannot build the executor runtime: {error}"));
        ExecutorRt { rt }
    }

    fn spawn<F>(&self, future: F) -> ExecutorJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ExecutorJoin(self.rt.spawn(future))
    }

    fn spawn_inside<F>(future: F) -> ExecutorJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ExecutorJoin(executor::spawn(future))
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }
}

// ---------------------------------------------------------------------------------------------
// tokio

/// tokio's multi-thread runtime.
#[derive(Debug)]
pub struct TokioRt {
    /// The runtime; dropping it shuts the workers down.
    rt: tokio::runtime::Runtime,
}

/// A [`TokioRt`] task handle.
#[derive(Debug)]
pub struct TokioJoin<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioJoin<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match ready!(Pin::new(&mut self.0).poll(cx)) {
            Ok(value) => Poll::Ready(value),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("tokio task failed: {error}"),
        }
    }
}

impl<T: Send + 'static> TaskHandle<T> for TokioJoin<T> {
    fn detach(self) {
        // Dropping a tokio JoinHandle detaches the task.
        drop(self);
    }
}

impl Rt for TokioRt {
    const NAME: &'static str = "tokio";
    type Join<T: Send + 'static> = TokioJoin<T>;

    fn new(workers: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("tokio-worker")
            .build()
            .unwrap_or_else(|error| panic!("cannot build the tokio runtime: {error}"));
        TokioRt { rt }
    }

    fn spawn<F>(&self, future: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(self.rt.spawn(future))
    }

    fn spawn_inside<F>(future: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(tokio::spawn(future))
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }
}

// ---------------------------------------------------------------------------------------------
// async-executor

thread_local! {
    /// The executor whose `run` this thread is inside (a worker), or whose `block_on` it is in:
    /// what [`AsyncExecutorRt::spawn_inside`] spawns onto, like tokio's runtime context.
    static CURRENT: Cell<Option<&'static async_executor::Executor<'static>>> =
        const { Cell::new(None) };
}

/// async-executor's `Executor`, leaked to `'static`, with W threads each calling `run`.
#[derive(Debug)]
pub struct AsyncExecutorRt {
    /// The executor, leaked once per runtime built (a few per suite run).
    ex: &'static async_executor::Executor<'static>,
    /// Closed on drop: every worker's `run` future then completes.
    stop: async_channel::Sender<()>,
    /// The W threads running the executor.
    threads: Vec<thread::JoinHandle<()>>,
}

/// An [`AsyncExecutorRt`] task handle (dropping it would cancel, so `detach` detaches).
#[derive(Debug)]
pub struct AsyncExecutorJoin<T>(async_executor::Task<T>);

impl<T> Future for AsyncExecutorJoin<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T: Send + 'static> TaskHandle<T> for AsyncExecutorJoin<T> {
    fn detach(self) {
        self.0.detach();
    }
}

/// Restores the previous [`CURRENT`] when a `block_on` ends, even by a panic.
struct CurrentGuard(Option<&'static async_executor::Executor<'static>>);

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

impl Rt for AsyncExecutorRt {
    const NAME: &'static str = "async-executor";
    type Join<T: Send + 'static> = AsyncExecutorJoin<T>;

    fn new(workers: usize) -> Self {
        let ex: &'static async_executor::Executor<'static> =
            Box::leak(Box::new(async_executor::Executor::new()));
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|index| {
                let stopped = stopped.clone();
                thread::Builder::new()
                    .name(format!("async-executor-{index}"))
                    .spawn(move || {
                        CURRENT.with(|current| current.set(Some(ex)));
                        // `recv` fails once `stop` is closed, which ends `run`.
                        let _ = futures_lite::future::block_on(ex.run(stopped.recv()));
                    })
                    .expect("cannot start an async-executor thread")
            })
            .collect();
        AsyncExecutorRt { ex, stop, threads }
    }

    fn spawn<F>(&self, future: F) -> AsyncExecutorJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        AsyncExecutorJoin(self.ex.spawn(future))
    }

    fn spawn_inside<F>(future: F) -> AsyncExecutorJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let ex = CURRENT
            .with(Cell::get)
            .expect("AsyncExecutorRt::spawn_inside called outside an async-executor thread");
        AsyncExecutorJoin(ex.spawn(future))
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _restore = CurrentGuard(CURRENT.with(|current| current.replace(Some(self.ex))));
        futures_lite::future::block_on(future)
    }
}

impl Drop for AsyncExecutorRt {
    fn drop(&mut self) {
        self.stop.close();
        for thread in self.threads.drain(..) {
            // A worker that panicked already printed its message; shutting down goes on.
            let _ = thread.join();
        }
    }
}
