//! [`spawn_blocking`].

use crate::task::join::JoinHandle;

/// Runs blocking code on the `blocking` crate's bounded thread pool (at most
/// `BLOCKING_MAX_THREADS`, default 500), so it never stalls a worker. The returned handle is
/// a task like any other: it shows in dumps, with this call's site.
///
/// # Panics
/// Outside a runtime (see [`crate::spawn`]).
///
/// ```
/// let rt = executor::Runtime::builder().worker_threads(1).build().unwrap();
/// let n = rt.block_on(async {
///     executor::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0)).await
/// });
/// assert!(n.is_ok());
/// ```
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    crate::task::Builder::new()
        .name("spawn_blocking")
        .spawn(blocking::unblock(f))
}
