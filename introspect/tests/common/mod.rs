//! Hand-built snapshots shared by the integration tests, and the golden-file check.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use introspect::{
    Frame, Holder, LongestPoll, ResourceId, ResourceInfo, ResourceKind, Snapshot, SourceLocation,
    Stack, TaskId, TaskInfo, TaskState, Trace, Wait, Waiter, WakerCheck, WorkerInfo, WorkerState,
};
use std::path::PathBuf;
use std::time::Duration;

mod sample;

// Each test binary uses a different subset, as with the helpers below.
#[allow(unused_imports)]
pub use sample::{conn, empty_snapshot, fatal_backtrace, fatal_snapshot, live_snapshot};

/// 2024-05-01 12:34:56.789 UTC: a fixed time, so goldens do not change.
pub const TAKEN_AT: u64 = 1_714_566_896_789;

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// A task with every optional field empty and every counter zero.
pub fn task(id: u64, name: Option<&str>, state: TaskState) -> TaskInfo {
    TaskInfo {
        id: TaskId(id),
        name: name.map(str::to_owned),
        state,
        poller: None,
        last_worker: None,
        skipped: false,
        spawned_at: None,
        parent: None,
        polls: 0,
        busy: Duration::ZERO,
        idle: Duration::ZERO,
        running_for: None,
        wakes: 0,
        self_wakes: 0,
        longest_poll: None,
        wait: None,
        trace: None,
        stack: None,
        panic: None,
        fatal: false,
    }
}

pub fn at(file: &str, line: u32, column: u32) -> SourceLocation {
    SourceLocation {
        file: file.to_owned().into(),
        line,
        column,
    }
}

pub fn site(file: &str, line: u32, column: u32) -> Option<SourceLocation> {
    Some(at(file, line, column))
}

/// A user frame with a full location.
pub fn frame(function: &str, file: &str, line: u32, column: u32) -> Frame {
    Frame {
        function: function.to_owned(),
        file: Some(file.to_owned()),
        line: Some(line),
        column: Some(column),
        runtime: false,
    }
}

/// `n` runtime frames.
pub fn runtime(n: usize) -> Vec<Frame> {
    (0..n)
        .map(|i| Frame {
            function: format!("executor::scheduler::frame_{i}"),
            file: Some("executor/src/scheduler.rs".to_owned()),
            line: Some(100 + i as u32),
            column: Some(9),
            runtime: true,
        })
        .collect()
}

pub fn trace(frames: Vec<Frame>, leaf: Option<&str>, waker: WakerCheck) -> Option<Trace> {
    Some(Trace::Captured {
        frames,
        leaf: leaf.map(str::to_owned),
        waker,
    })
}

pub fn stack(frames: Vec<Frame>) -> Option<Stack> {
    Some(Stack::Captured { frames })
}

pub fn wait(
    what: &str,
    resource: Option<u64>,
    task: Option<u64>,
    waited: Duration,
) -> Option<Wait> {
    Some(Wait {
        what: what.to_owned(),
        resource: resource.map(ResourceId),
        task: task.map(TaskId),
        waited,
        among_others: false,
    })
}

pub fn longest(duration: Duration, ago: Duration) -> Option<LongestPoll> {
    Some(LongestPoll { duration, ago })
}

pub fn holder(task: u64, held_for: Duration, mode: Option<&str>) -> Holder {
    Holder {
        task: TaskId(task),
        held_for,
        mode: mode.map(str::to_owned),
    }
}

pub fn waiter(task: u64, op: &str, waited: Duration) -> Waiter {
    Waiter {
        task: TaskId(task),
        op: op.to_owned(),
        waited,
    }
}

pub fn resource(
    id: u64,
    kind: ResourceKind,
    holders: Vec<Holder>,
    waiters: Vec<Waiter>,
) -> ResourceInfo {
    ResourceInfo {
        id: ResourceId(id),
        kind,
        created_at: None,
        holders,
        waiters,
        detail: None,
    }
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

/// A bare snapshot of `tasks` and `resources`, for graph and grouping tests.
pub fn snapshot_of(tasks: Vec<TaskInfo>, resources: Vec<ResourceInfo>) -> Snapshot {
    Snapshot {
        tasks,
        resources,
        taken_at_unix_ms: TAKEN_AT,
        ..empty_snapshot()
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
