//! Hand-built snapshots shared by the integration tests, and the golden-file check.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use introspect::{
    Policy, Reason, Snapshot, SpawnSite, TaskId, TaskInfo, TaskState, WorkerInfo, WorkerState,
};
use std::path::PathBuf;
use std::time::Duration;

/// 2024-05-01 12:34:56.789 UTC: a fixed time, so goldens do not change.
pub const TAKEN_AT: u64 = 1_714_566_896_789;

/// A task with every optional field empty and every counter zero.
pub fn task(id: u64, name: Option<&str>, state: TaskState) -> TaskInfo {
    TaskInfo {
        id: TaskId(id),
        name: name.map(str::to_owned),
        state,
        skipped: false,
        spawned_at: None,
        parent: None,
        polls: 0,
        busy: Duration::ZERO,
        idle: Duration::ZERO,
        running_for: None,
        wakes: 0,
        self_wakes: 0,
        worker: None,
        trace: None,
        fatal: false,
    }
}

pub fn site(file: &str, line: u32, column: u32) -> Option<SpawnSite> {
    Some(SpawnSite {
        file: file.to_owned(),
        line,
        column,
    })
}

pub fn trace(lines: &[&str]) -> Option<Vec<String>> {
    Some(lines.iter().map(|line| (*line).to_owned()).collect())
}

pub fn worker(index: usize, state: WorkerState, ticks: u64, queued: usize) -> WorkerInfo {
    WorkerInfo {
        index,
        thread_name: format!("executor-worker-{index}"),
        state,
        ticks,
        local_queue_len: queued,
    }
}

/// A server that hit `executor::fatal` in task 5 under the freeze policy: task 3 was still
/// inside a long poll when the freeze gave up waiting, so it is `running, skipped`.
pub fn fatal_snapshot() -> Snapshot {
    let ms = Duration::from_millis;
    let us = Duration::from_micros;
    let tasks = vec![
        TaskInfo {
            spawned_at: site("src/server.rs", 31, 5),
            parent: Some(TaskId(1)),
            polls: 58,
            busy: us(3_410),
            idle: ms(2_100),
            wakes: 58,
            worker: Some(1),
            trace: trace(&[
                "server::accept_loop at src/server.rs:40:22",
                "async_net::tcp::TcpListener::accept",
            ]),
            ..task(2, Some("accept-loop"), TaskState::Idle)
        },
        TaskInfo {
            skipped: true,
            spawned_at: site("src/main.rs", 14, 9),
            parent: Some(TaskId(1)),
            polls: 4,
            busy: ms(3_620),
            running_for: Some(ms(1_204)),
            wakes: 4,
            self_wakes: 3,
            worker: Some(0),
            ..task(3, Some("cpu-hog"), TaskState::Running { worker: Some(0) })
        },
        TaskInfo {
            spawned_at: site("src/server.rs", 52, 13),
            parent: Some(TaskId(2)),
            polls: 1,
            busy: us(12),
            idle: ms(5),
            wakes: 1,
            worker: Some(2),
            ..task(4, None, TaskState::Scheduled)
        },
        TaskInfo {
            spawned_at: site("src/server.rs", 52, 13),
            parent: Some(TaskId(2)),
            polls: 7,
            busy: us(310),
            running_for: Some(us(87)),
            wakes: 7,
            self_wakes: 1,
            worker: Some(3),
            trace: trace(&["server::handle_conn at src/server.rs:88:13"]),
            fatal: true,
            ..task(5, Some("conn-42"), TaskState::Running { worker: Some(3) })
        },
        TaskInfo {
            spawned_at: site("src/main.rs", 10, 1),
            polls: 3,
            busy: us(95),
            idle: ms(2_130),
            wakes: 2,
            trace: trace(&[
                "main::run at src/main.rs:22:18",
                "executor::task::JoinHandle::await",
            ]),
            ..task(1, Some("main"), TaskState::Idle)
        },
        TaskInfo {
            spawned_at: site("src/main.rs", 18, 5),
            parent: Some(TaskId(1)),
            polls: 2,
            busy: us(40),
            idle: ms(900),
            wakes: 2,
            worker: Some(2),
            ..task(6, Some("flush"), TaskState::Completed)
        },
        TaskInfo {
            polls: 12,
            busy: us(1_500),
            idle: Duration::from_secs(192),
            wakes: 12,
            worker: Some(1),
            ..task(7, Some("stats-reporter"), TaskState::Idle)
        },
    ];
    Snapshot {
        taken_at_unix_ms: TAKEN_AT,
        pid: 4242,
        reason: Reason::Fatal {
            message: "invariant broken: queue length went negative".to_owned(),
            location: Some("src/queue.rs:88:13".to_owned()),
            task: Some(TaskId(5)),
        },
        policy: Policy::Freeze,
        backtrace: Some(
            "   0: executor::fatal::fatal\n             at executor/src/fatal.rs:41:9\n   \
             1: server::handle_conn::{{closure}}\n             at src/server.rs:88:13\n   \
             2: executor::scheduler::worker::run\n             at executor/src/scheduler.rs:212:17\n"
                .to_owned(),
        ),
        workers: vec![
            worker(0, WorkerState::Running { task: TaskId(3) }, 1_523, 2),
            worker(1, WorkerState::Stopped, 880, 0),
            worker(2, WorkerState::Stopped, 1_041, 1),
            worker(3, WorkerState::Running { task: TaskId(5) }, 977, 0),
        ],
        tasks,
    }
}

/// The same runtime seen live: nothing stopped, no backtrace, main polled by `block_on`.
pub fn live_snapshot() -> Snapshot {
    let mut snapshot = fatal_snapshot();
    snapshot.reason = Reason::Live;
    snapshot.policy = Policy::NoFreeze;
    snapshot.backtrace = None;
    snapshot.workers[1].state = WorkerState::Parked;
    snapshot.workers[2].state = WorkerState::Searching;
    for task in &mut snapshot.tasks {
        task.fatal = false;
        task.skipped = false;
        if task.id == TaskId(1) {
            task.state = TaskState::Running { worker: None };
            task.running_for = Some(Duration::from_nanos(850));
            task.trace = None;
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
    }
}

/// Compares `actual` with `tests/golden/<name>` exactly; with `UPDATE_GOLDEN=1`, rewrites the
/// file instead (then check the diff by eye before committing it).
pub fn assert_golden(name: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the rendered output (run with UPDATE_GOLDEN=1 to accept it)\n\
             --- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
