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
    // Inside the closure, as in tokio, the runtime is the spawning one: `Handle::current()`
    // and `executor::spawn` work there.
    let shared = crate::context::with_current_shared(|shared| shared.clone());
    let runtime = shared.clone();
    let f = move || {
        let _runtime = crate::context::enter_runtime(runtime);
        f()
    };
    crate::task::spawn::spawn_on(
        &shared,
        blocking::unblock(f),
        Some("spawn_blocking".into()),
        std::panic::Location::caller(),
    )
}
