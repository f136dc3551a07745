//! Runtime configuration: the [`Builder`] and the values it checks.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::runtime::Runtime;

/// The most worker threads a runtime accepts; more is almost certainly a unit mistake.
pub const MAX_WORKER_THREADS: usize = 1024;

/// What the fatal path does to the workers before it writes the dump.
///
/// Whatever the policy, once a fatal error has set the process-wide freezing flag no task goes
/// from not running to running: a worker that picks its next task parks for good instead of
/// polling it.
///
/// ```
/// let rt = executor::Runtime::builder()
///     .worker_threads(2)
///     .freeze_policy(executor::FreezePolicy::NoFreeze)
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FreezePolicy {
    /// Ask every worker to stop at its next scheduling point and wait for them (bounded by
    /// [`Builder::freeze_timeout`]) before dumping, so that every task but the ones stuck inside
    /// a long poll can be shown in full. Like the Go runtime's default.
    #[default]
    Freeze,
    /// Stop nobody: running tasks go on while the dump is written, which keeps the scheduler's
    /// state as the bug left it. Like Go's `GODEBUG=dontfreezetheworld=1`.
    NoFreeze,
}

/// What happens when a spawned task panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskPanic {
    /// The panic is caught and handed to the task's [`JoinHandle`](crate::JoinHandle) as a
    /// [`JoinError`](crate::JoinError), as tokio does. The worker goes on.
    #[default]
    Propagate,
    /// The panic is a fatal error: the runtime freezes and dumps every task, the panicking one
    /// first, then exits.
    Fatal,
}

/// A configuration the [`Builder`] refused.
///
/// Its `Debug` is its message, so `.build().unwrap()` shows what to do:
///
/// ```should_panic
/// // panics with: called `Result::unwrap()` on an `Err` value: worker_threads(0): a runtime
/// // needs at least one worker thread; leave it unset for one per core
/// executor::Runtime::builder().worker_threads(0).build().unwrap();
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum BuildError {
    /// `worker_threads(0)`.
    ZeroWorkers,
    /// More than [`MAX_WORKER_THREADS`] workers.
    TooManyWorkers(usize),
    /// A zero freeze timeout would never let a worker stop.
    ZeroFreezeTimeout,
    /// A thread name with a NUL byte cannot be given to the OS.
    BadThreadName(String),
    /// The OS refused to start a worker thread.
    Spawn(String),
    /// `stall_warning(0)` or `stall_fatal(0)`: every poll would be a stall.
    ZeroStallThreshold(&'static str),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroWorkers => write!(
                f,
                "worker_threads(0): a runtime needs at least one worker thread; \
                 leave it unset for one per core"
            ),
            BuildError::TooManyWorkers(n) => write!(
                f,
                "worker_threads({n}): at most {MAX_WORKER_THREADS} workers are allowed; \
                 use spawn_blocking for blocking work instead of more workers"
            ),
            BuildError::ZeroFreezeTimeout => write!(
                f,
                "freeze_timeout(0): the fatal path needs some time to stop workers; \
                 use at least a millisecond (default 100ms)"
            ),
            BuildError::BadThreadName(name) => write!(
                f,
                "thread_name({name:?}): a thread name cannot contain a NUL byte"
            ),
            BuildError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            BuildError::ZeroStallThreshold(name) => write!(
                f,
                "{name}(0): every poll would count as a stall; use a threshold such as 200ms"
            ),
        }
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

/// Builds a [`Runtime`]; every value is checked by [`Builder::build`].
///
/// ```
/// use std::time::Duration;
/// let rt = executor::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .freeze_timeout(Duration::from_millis(50))
///     .build()
///     .expect("valid configuration");
/// let h = rt.spawn(async { 40 + 2 });
/// assert_eq!(rt.block_on(h).unwrap(), 42);
///
/// let err = executor::Runtime::builder().worker_threads(0).build().unwrap_err();
/// assert!(err.to_string().contains("at least one worker"));
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    pub(crate) config: Config,
}

/// The checked-or-not configuration a [`Builder`] carries.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// `None`: one per available core.
    pub(crate) worker_threads: Option<usize>,
    /// Prefix of worker thread names; the index is appended.
    pub(crate) thread_name: String,
    /// What the fatal path does to workers.
    pub(crate) freeze_policy: FreezePolicy,
    /// The total time the fatal path waits for workers to stop under `Freeze`.
    pub(crate) freeze_timeout: Duration,
    /// What a task panic does.
    pub(crate) task_panic: TaskPanic,
    /// Whether SIGQUIT dumps every task and exits.
    pub(crate) sigquit: bool,
    /// Where the fatal dump is also written, besides stderr.
    pub(crate) dump_path: Option<PathBuf>,
    /// Whether fatal dumps take await traces (trace polls of idle tasks).
    pub(crate) await_traces: bool,
    /// Warn about polls longer than this (the stall watchdog).
    pub(crate) stall_warning: Option<Duration>,
    /// Turn polls longer than this into a fatal error.
    pub(crate) stall_fatal: Option<Duration>,
    /// Whether stall warnings take the stalled worker's native stack (a signal).
    pub(crate) stall_stacks: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with the defaults: one worker per core, `Freeze`, 100 ms freeze timeout,
    /// task panics propagated to the `JoinHandle`, SIGQUIT dumps.
    pub fn new() -> Self {
        Builder {
            config: Config {
                worker_threads: None,
                thread_name: "executor-worker".to_owned(),
                freeze_policy: FreezePolicy::Freeze,
                freeze_timeout: Duration::from_millis(100),
                task_panic: TaskPanic::Propagate,
                sigquit: true,
                dump_path: None,
                await_traces: true,
                stall_warning: None,
                stall_fatal: None,
                stall_stacks: true,
            },
        }
    }

    /// How many worker threads poll tasks (1 to [`MAX_WORKER_THREADS`]).
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.config.worker_threads = Some(n);
        self
    }

    /// The prefix of worker thread names (`executor-worker-0`, ...).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.config.thread_name = name.into();
        self
    }

    /// What the fatal path does to the workers; see [`FreezePolicy`].
    pub fn freeze_policy(mut self, policy: FreezePolicy) -> Self {
        self.config.freeze_policy = policy;
        self
    }

    /// Under [`FreezePolicy::Freeze`], the total time the fatal path waits for workers to stop
    /// (retrying several times within it). A worker still inside a poll at the end is left
    /// alone and its task reported `running, skipped`.
    pub fn freeze_timeout(mut self, timeout: Duration) -> Self {
        self.config.freeze_timeout = timeout;
        self
    }

    /// What a panic inside a spawned task does; see [`TaskPanic`].
    pub fn task_panic(mut self, policy: TaskPanic) -> Self {
        self.config.task_panic = policy;
        self
    }

    /// Whether `SIGQUIT` dumps every task and exits with status 2, as Go does (default on).
    pub fn sigquit_dump(mut self, on: bool) -> Self {
        self.config.sigquit = on;
        self
    }

    /// Also write the fatal dump to this file (text) and to the same path with `.json` added
    /// (JSON), each through a temporary file that is renamed into place.
    pub fn dump_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.dump_path = Some(path.into());
        self
    }

    /// Whether fatal and `SIGQUIT` dumps show each idle task's await trace (default on).
    ///
    /// A trace is taken by polling the idle task once more, on a tracer thread, after the
    /// dump's rows are read: the `Future` contract allows such spurious polls, but they run
    /// the program's own code (a leaf's bookkeeping, or the rest of an async fn whose leaf
    /// turns out ready). Turn them off for programs that must run none of their code after a
    /// fatal error; `EXECUTOR_DEBUG=traces=0` does the same without a rebuild.
    pub fn await_traces(mut self, on: bool) -> Self {
        self.config.await_traces = on;
        self
    }

    /// Starts a stall watchdog (Go's sysmon, as an observer): a thread that notices a task
    /// holding its worker in one poll for longer than `threshold` and prints one warning on
    /// stderr, with the task's id, name, spawn site, time in poll and native stack, while the
    /// program goes on; then one line when that poll ends. While a poll stalls, it also names
    /// the tasks scheduled but not polled for longer than `threshold`, starved behind it.
    ///
    /// Off by default. `EXECUTOR_DEBUG=stall=200ms` turns it on (or changes the threshold)
    /// without a rebuild, and wins over this. The stack is taken by signalling the worker: a
    /// stalled task blocked in `poll`/`select` or in a socket call with a timeout sees that
    /// call return `ErrorKind::Interrupted` (README, "Native stacks, signals and the stall
    /// watchdog").
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = executor::Runtime::builder()
    ///     .stall_warning(Duration::from_millis(200))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn stall_warning(mut self, threshold: Duration) -> Self {
        self.config.stall_warning = Some(threshold);
        self
    }

    /// Whether a stall warning shows the stalled worker's native stack (on by default). Taking
    /// it signals the worker: a program whose tasks block in `poll`/`select` or in socket
    /// calls with a timeout, and cannot retry on `ErrorKind::Interrupted`, can keep the
    /// warnings and do without the stack. `EXECUTOR_DEBUG=stall_stacks=0` without a rebuild.
    /// Fatal dumps take stacks whatever this says: the program ends after them.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = executor::Runtime::builder()
    ///     .stall_warning(Duration::from_millis(200))
    ///     .stall_stacks(false)
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn stall_stacks(mut self, on: bool) -> Self {
        self.config.stall_stacks = on;
        self
    }

    /// Turns a poll longer than `threshold` into a fatal error: the full dump, with the
    /// stalled task's native stack, then exit status 2. For services that prefer dying loudly
    /// to hanging. `EXECUTOR_DEBUG=stall_fatal=5s` without a rebuild.
    pub fn stall_fatal(mut self, threshold: Duration) -> Self {
        self.config.stall_fatal = Some(threshold);
        self
    }

    /// Checks the configuration and starts the workers.
    pub fn build(self) -> Result<Runtime, BuildError> {
        for (name, value) in [
            ("stall_warning", self.config.stall_warning),
            ("stall_fatal", self.config.stall_fatal),
        ] {
            if value.is_some_and(|d| d.is_zero()) {
                return Err(BuildError::ZeroStallThreshold(name));
            }
        }
        let workers = self.config.checked_worker_count()?;
        if self.config.freeze_timeout.is_zero() {
            return Err(BuildError::ZeroFreezeTimeout);
        }
        if self.config.thread_name.contains('\0') {
            return Err(BuildError::BadThreadName(self.config.thread_name));
        }
        Runtime::start(self.config, workers)
    }
}

impl Config {
    fn checked_worker_count(&self) -> Result<usize, BuildError> {
        match self.worker_threads {
            Some(0) => Err(BuildError::ZeroWorkers),
            Some(n) if n > MAX_WORKER_THREADS => Err(BuildError::TooManyWorkers(n)),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}
