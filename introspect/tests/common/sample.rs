//! The sample snapshots the goldens are rendered from: a ledger service that hit a fatal
//! error, the same service seen live, and an empty runtime.

use super::*;
use introspect::{
    Frame, PanicInfo, Policy, Poller, Reason, ResourceKind, Snapshot, Stack, TaskId, TaskInfo,
    TaskState, Trace, WakerCheck, WorkerState,
};
use std::time::Duration;

/// An idle connection task like the thousands a server has: `conn-<id>`, waiting for its
/// socket. Alike tasks of this kind are grouped.
pub fn conn(id: u64, idle: Duration) -> TaskInfo {
    TaskInfo {
        last_worker: Some(1),
        spawned_at: site("src/server.rs", 52, 13),
        parent: Some(TaskId(2)),
        polls: 2 + id % 3,
        busy: us(40 + id % 7),
        idle,
        wakes: 1 + id % 3,
        longest_poll: longest(us(31), idle),
        trace: trace(
            vec![
                frame("server::handle_conn::{{closure}}", "src/server.rs", 71, 30),
                frame("server::read_request::{{closure}}", "src/server.rs", 95, 42),
            ],
            Some("<async_net::TcpStream as futures_io::AsyncRead>::poll_read"),
            WakerCheck::Kept,
        ),
        ..task(id, Some(&format!("conn-{id}")), TaskState::Idle)
    }
}

/// A ledger service that hit `executor::fatal` in task 5 under the freeze policy:
///
/// - task 5 `conn-42` raised the fatal error (its stack is the fatal thread backtrace);
/// - task 3 `archive` was inside a long poll when the freeze gave up waiting: `running,
///   skipped`, with its worker's native stack;
/// - task 8 `parser` panicked on worker 2;
/// - tasks 9 and 10 are deadlocked: 9 waits for mutex #4, which 10 holds, and 10 joins 9;
/// - task 7 `stats-reporter` lost its wakeup; task 11 `ticker` was ready but never woken;
/// - task 4 is scheduled, its trace poll timed out; task 12 sleeps; task 6 completed;
/// - tasks 20..=25 are alike idle connections, grouped by default;
/// - one registry shard stayed locked, as a note says.
pub fn fatal_snapshot() -> Snapshot {
    let mut tasks = vec![
        TaskInfo {
            last_worker: Some(0),
            spawned_at: site("src/main.rs", 10, 1),
            polls: 3,
            busy: us(95),
            idle: ms(2_130),
            wakes: 2,
            wait: wait("join task 2", None, Some(2), ms(2_130)),
            trace: trace(
                vec![frame("ledger::main::{{closure}}", "src/main.rs", 22, 18)],
                Some("<executor::task::JoinHandle<()> as Future>::poll"),
                WakerCheck::Kept,
            ),
            ..task(1, Some("main"), TaskState::Idle)
        },
        TaskInfo {
            last_worker: Some(1),
            spawned_at: site("src/server.rs", 31, 5),
            parent: Some(TaskId(1)),
            polls: 58,
            busy: us(3_410),
            idle: ms(2_100),
            wakes: 58,
            longest_poll: longest(us(310), Duration::from_secs(40)),
            trace: trace(
                vec![frame(
                    "server::accept_loop::{{closure}}",
                    "src/server.rs",
                    40,
                    22,
                )],
                Some("<async_net::TcpListener>::accept"),
                WakerCheck::Kept,
            ),
            ..task(2, Some("accept-loop"), TaskState::Idle)
        },
        TaskInfo {
            poller: Some(Poller::Worker(0)),
            last_worker: Some(0),
            skipped: true,
            spawned_at: site("src/main.rs", 24, 5),
            parent: Some(TaskId(1)),
            polls: 4,
            busy: ms(3_620),
            running_for: Some(ms(1_204)),
            wakes: 4,
            self_wakes: 3,
            longest_poll: longest(ms(2_400), ms(1_300)),
            stack: stack(
                [
                    vec![
                        frame("archive::compress_in_place", "src/archive.rs", 6, 5),
                        frame("archive::run::{{closure}}", "src/archive.rs", 14, 5),
                    ],
                    runtime(14),
                ]
                .concat(),
            ),
            ..task(3, Some("archive"), TaskState::Running)
        },
        TaskInfo {
            last_worker: Some(2),
            spawned_at: site("src/server.rs", 52, 13),
            parent: Some(TaskId(2)),
            polls: 1,
            busy: us(12),
            idle: ms(5),
            wakes: 1,
            trace: Some(Trace::Unavailable {
                reason: "trace poll timed out after 20ms".to_owned(),
            }),
            ..task(4, None, TaskState::Scheduled)
        },
        TaskInfo {
            poller: Some(Poller::Worker(3)),
            last_worker: Some(3),
            spawned_at: site("src/server.rs", 52, 13),
            parent: Some(TaskId(2)),
            polls: 7,
            busy: us(310),
            running_for: Some(us(87)),
            wakes: 7,
            self_wakes: 1,
            longest_poll: longest(us(120), ms(900)),
            fatal: true,
            ..task(5, Some("conn-42"), TaskState::Running)
        },
        TaskInfo {
            last_worker: Some(2),
            spawned_at: site("src/main.rs", 18, 5),
            parent: Some(TaskId(1)),
            polls: 2,
            busy: us(40),
            idle: ms(900),
            wakes: 2,
            longest_poll: longest(us(31), ms(900)),
            ..task(6, Some("flush"), TaskState::Completed)
        },
        TaskInfo {
            last_worker: Some(1),
            polls: 12,
            busy: us(1_500),
            idle: Duration::from_secs(192),
            wakes: 12,
            trace: trace(
                vec![
                    frame("stats::report::{{closure}}", "src/stats.rs", 20, 9),
                    frame("stats::Tick::next::{{closure}}", "src/stats.rs", 61, 14),
                ],
                Some("<stats::Tick as Future>::poll"),
                WakerCheck::NoWaker,
            ),
            ..task(7, Some("stats-reporter"), TaskState::Idle)
        },
        TaskInfo {
            poller: Some(Poller::Worker(2)),
            last_worker: Some(2),
            spawned_at: site("src/server.rs", 60, 9),
            parent: Some(TaskId(2)),
            polls: 4,
            busy: us(820),
            running_for: Some(us(45)),
            wakes: 4,
            panic: Some(PanicInfo {
                message: "index out of bounds: the len is 3 but the index is 7".to_owned(),
                location: site("src/parser.rs", 12, 9),
            }),
            stack: Some(Stack::Unavailable {
                reason: "worker 2 did not answer in 20ms".to_owned(),
            }),
            ..task(8, Some("parser"), TaskState::Panicked)
        },
        TaskInfo {
            last_worker: Some(1),
            spawned_at: site("src/ledger.rs", 30, 9),
            parent: Some(TaskId(1)),
            polls: 5,
            busy: us(200),
            idle: ms(1_800),
            wakes: 4,
            wait: wait("mutex #4 lock", Some(4), None, ms(1_800)),
            trace: trace(
                [
                    vec![
                        frame("ledger::run::{{closure}}", "src/ledger.rs", 17, 27),
                        frame("ledger::write::{{closure}}", "src/ledger.rs", 41, 32),
                    ],
                    runtime(2),
                ]
                .concat(),
                Some("<executor::sync::MutexLock<'_, ledger::Book> as Future>::poll"),
                WakerCheck::Kept,
            ),
            ..task(9, Some("ledger-writer"), TaskState::Idle)
        },
        TaskInfo {
            last_worker: Some(0),
            spawned_at: site("src/ledger.rs", 33, 9),
            parent: Some(TaskId(1)),
            polls: 3,
            busy: us(150),
            idle: ms(1_790),
            wakes: 2,
            wait: wait("join task 9", None, Some(9), ms(1_790)),
            trace: trace(
                vec![frame(
                    "ledger::settle::{{closure}}",
                    "src/ledger.rs",
                    52,
                    18,
                )],
                Some("<executor::task::JoinHandle<()> as Future>::poll"),
                WakerCheck::Kept,
            ),
            ..task(10, Some("ledger-settle"), TaskState::Idle)
        },
        TaskInfo {
            last_worker: Some(3),
            spawned_at: site("src/main.rs", 27, 5),
            parent: Some(TaskId(1)),
            polls: 30,
            busy: us(900),
            idle: ms(4_000),
            wakes: 29,
            trace: trace(
                vec![frame("metrics::tick::{{closure}}", "src/metrics.rs", 8, 22)],
                Some("<executor::time::Interval as Stream>::poll_next"),
                WakerCheck::ReadyNotWoken,
            ),
            ..task(11, Some("ticker"), TaskState::Idle)
        },
        TaskInfo {
            last_worker: Some(3),
            spawned_at: site("src/main.rs", 29, 5),
            parent: Some(TaskId(1)),
            polls: 9,
            busy: us(300),
            idle: ms(8_800),
            wakes: 8,
            wait: wait("sleep (1.2s left)", None, None, ms(8_800)),
            trace: trace(
                vec![frame(
                    "cache::expire_loop::{{closure}}",
                    "src/cache.rs",
                    33,
                    13,
                )],
                Some("<executor::time::Sleep as Future>::poll"),
                WakerCheck::Kept,
            ),
            ..task(12, Some("cache-expiry"), TaskState::Idle)
        },
    ];
    tasks.extend((20..=25).map(|id| conn(id, ms(1_200 + (id - 20) * 660))));
    let mut mutex = resource(
        4,
        ResourceKind::Mutex,
        vec![holder(10, ms(1_850), None)],
        vec![waiter(9, "lock", ms(1_800))],
    );
    mutex.created_at = site("src/ledger.rs", 12, 19);
    mutex.detail = Some("locked".to_owned());
    let mut pool = resource(
        2,
        ResourceKind::Semaphore,
        vec![holder(3, ms(3_600), Some("1 permit"))],
        Vec::new(),
    );
    pool.created_at = site("src/archive.rs", 3, 15);
    pool.detail = Some("0 of 1 permits".to_owned());
    Snapshot {
        taken_at_unix_ms: TAKEN_AT,
        pid: 4242,
        reason: Reason::Fatal {
            message: "invariant broken: queue length went negative".to_owned(),
            location: site("src/queue.rs", 88, 13),
            task: Some(TaskId(5)),
        },
        policy: Policy::Freeze,
        backtrace: Some(fatal_backtrace()),
        workers: vec![
            worker(0, WorkerState::Running { task: TaskId(3) }, 1_523, 2),
            worker(1, WorkerState::Stopped, 880, 0),
            worker(2, WorkerState::Running { task: TaskId(8) }, 1_041, 1),
            worker(3, WorkerState::Running { task: TaskId(5) }, 977, 0),
        ],
        tasks,
        resources: vec![mutex, pool],
        notes: vec!["1 registry shard stayed locked: its tasks are missing".to_owned()],
    }
}

/// The fatal thread's backtrace: two runtime runs with a user frame between them.
pub fn fatal_backtrace() -> Vec<Frame> {
    let rt = |function: &str, file: &str, line| Frame {
        runtime: true,
        ..frame(function, file, line, 9)
    };
    vec![
        rt(
            "std::backtrace::Backtrace::force_capture",
            "std/src/backtrace.rs",
            331,
        ),
        rt("executor::fatal::fatal", "executor/src/fatal/mod.rs", 41),
        frame("server::handle_conn::{{closure}}", "src/server.rs", 88, 13),
        frame("server::serve::{{closure}}", "src/server.rs", 64, 40),
        rt(
            "executor::task::harness::poll",
            "executor/src/task/harness.rs",
            120,
        ),
        rt(
            "executor::scheduler::worker::run",
            "executor/src/scheduler/worker.rs",
            212,
        ),
        Frame {
            function: "server::middleware::trace_requests::{{closure}}".to_owned(),
            file: Some("src/middleware.rs".to_owned()),
            line: Some(12),
            column: None,
            runtime: false,
        },
        rt(
            "std::thread::Builder::spawn_unchecked_::{{closure}}",
            "std/src/thread/mod.rs",
            559,
        ),
        Frame {
            function: "start_thread".to_owned(),
            file: None,
            line: None,
            column: None,
            runtime: true,
        },
    ]
}

/// The same runtime seen live: nothing stopped, no backtrace, nothing traced (a live snapshot
/// attempts no trace and no stack), main polled by `block_on`, the parser not yet panicked.
pub fn live_snapshot() -> Snapshot {
    let mut snapshot = fatal_snapshot();
    snapshot.reason = Reason::Live;
    snapshot.policy = Policy::NoFreeze;
    snapshot.backtrace = None;
    snapshot.notes.clear();
    snapshot.workers[1].state = WorkerState::Parked;
    snapshot.workers[2].state = WorkerState::Searching;
    for task in &mut snapshot.tasks {
        task.fatal = false;
        task.skipped = false;
        task.trace = None;
        task.stack = None;
        if task.id == TaskId(1) {
            task.state = TaskState::Running;
            task.poller = Some(Poller::BlockOn);
            task.running_for = Some(Duration::from_nanos(850));
            task.wait = None;
        }
        if task.id == TaskId(8) {
            task.state = TaskState::Idle;
            task.poller = None;
            task.running_for = None;
            task.panic = None;
            task.idle = ms(10);
        }
    }
    snapshot
}

/// A `SIGQUIT` dump of a runtime with no tasks and no workers.
pub fn empty_snapshot() -> Snapshot {
    Snapshot {
        taken_at_unix_ms: 0,
        pid: 1,
        reason: Reason::Signal {
            name: "SIGQUIT".to_owned(),
        },
        policy: Policy::NoFreeze,
        backtrace: None,
        workers: Vec::new(),
        tasks: Vec::new(),
        resources: Vec::new(),
        notes: Vec::new(),
    }
}
