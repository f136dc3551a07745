//! Golden test of the task blocks: one block per shape the block renderer has (each state,
//! each kind of trace and stack, waits with and without holders), each in a task of its own.

mod common;

use common::*;
use introspect::render::{self, Detail, TextOptions};
use introspect::{Frame, Poller, ResourceKind, TaskId, TaskInfo, TaskState};

const FLAT: TextOptions = TextOptions {
    detail: Detail::AllTasks,
    group: false,
};

/// One block per shape the block renderer has, each in a task of its own.
#[test]
fn blocks_of_every_shape() {
    let base = |id, name: &str, state| TaskInfo {
        spawned_at: site("src/main.rs", 40 + id as u32, 5),
        parent: Some(TaskId(1)),
        polls: 2,
        busy: us(40),
        idle: ms(4_200),
        wakes: 1,
        ..common::task(id, Some(name), state)
    };
    let settle = vec![
        frame("ledger::run::{{closure}}", "src/ledger.rs", 17, 27),
        frame("ledger::settle::{{closure}}", "src/ledger.rs", 41, 32),
    ];
    let leaf = Some("<futures_channel::oneshot::Receiver<u64> as Future>::poll");
    let no_location = Frame {
        function: "ledger::opaque".to_owned(),
        file: None,
        line: None,
        column: None,
        runtime: false,
    };
    let tasks = vec![
        TaskInfo {
            last_worker: Some(1),
            longest_poll: longest(us(31), ms(4_200)),
            trace: trace(settle.clone(), leaf, introspect::WakerCheck::Kept),
            ..base(12, "idle-with-trace", TaskState::Idle)
        },
        TaskInfo {
            trace: trace(
                [runtime(3), vec![no_location], settle.clone(), runtime(2)].concat(),
                None,
                introspect::WakerCheck::NoWaker,
            ),
            ..base(13, "lost-wakeup", TaskState::Idle)
        },
        TaskInfo {
            trace: trace(settle.clone(), leaf, introspect::WakerCheck::ReadyNotWoken),
            ..base(14, "ready-not-woken", TaskState::Scheduled)
        },
        TaskInfo {
            trace: Some(introspect::Trace::Unavailable {
                reason: "traces are off (EXECUTOR_DEBUG=traces=0)".to_owned(),
            }),
            ..base(15, "trace-unavailable", TaskState::Idle)
        },
        TaskInfo {
            trace: trace(Vec::new(), None, introspect::WakerCheck::Kept),
            ..base(16, "trace-empty", TaskState::Idle)
        },
        TaskInfo {
            poller: Some(Poller::Worker(1)),
            skipped: true,
            polls: 1,
            busy: ms(838),
            running_for: Some(ms(838)),
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
            ..base(17, "running-with-stack", TaskState::Running)
        },
        TaskInfo {
            poller: Some(Poller::BlockOn),
            running_for: Some(ms(3)),
            stack: Some(introspect::Stack::Unavailable {
                reason: "stack capture is off".to_owned(),
            }),
            ..base(18, "stack-unavailable", TaskState::Running)
        },
        TaskInfo {
            poller: Some(Poller::Worker(0)),
            running_for: Some(ms(3)),
            polls: 3,
            panic: Some(introspect::PanicInfo {
                message: "index out of bounds: the len is 3 but the index is 7".to_owned(),
                location: site("src/parser.rs", 12, 9),
            }),
            ..base(19, "panicked", TaskState::Panicked)
        },
        TaskInfo {
            poller: Some(Poller::Worker(0)),
            panic: Some(introspect::PanicInfo {
                message: "boom".to_owned(),
                location: None,
            }),
            ..base(20, "panicked-nowhere-known", TaskState::Panicked)
        },
        TaskInfo {
            last_worker: Some(0),
            wait: wait(
                "semaphore #2 acquire (0 of 8 permits)",
                Some(2),
                None,
                ms(4_000),
            ),
            ..base(21, "wait-reason", TaskState::Idle)
        },
        TaskInfo {
            wait: wait("join task 12", None, Some(12), ms(4_000)),
            trace: trace(settle.clone(), leaf, introspect::WakerCheck::Kept),
            ..base(22, "join-wait", TaskState::Idle)
        },
        TaskInfo {
            wait: wait("mpsc #3 recv", Some(3), None, ms(4_000)),
            ..base(23, "wait-without-holder", TaskState::Idle)
        },
        TaskInfo {
            poller: Some(Poller::Worker(1)),
            running_for: Some(ms(1)),
            trace: trace(settle, leaf, introspect::WakerCheck::Kept),
            stack: stack(vec![frame("ledger::hash", "src/ledger.rs", 90, 1)]),
            ..base(24, "trace-and-stack", TaskState::Running)
        },
        base(25, "completed", TaskState::Completed),
        TaskInfo {
            parent: None,
            spawned_at: None,
            ..base(26, "unknown-spawn", TaskState::Idle)
        },
        base(27, "holder-of-many", TaskState::Idle),
    ];
    let holders = (30..41)
        .map(|id| holder(id, ms(100), Some("1 permit")))
        .collect();
    let mut resources = vec![
        resource(
            2,
            ResourceKind::Semaphore,
            holders,
            vec![waiter(21, "acquire", ms(4_000))],
        ),
        resource(
            3,
            ResourceKind::Mpsc,
            vec![],
            vec![waiter(23, "recv", ms(4_000))],
        ),
    ];
    // Task 27 holds ten locks: one for reading, two with waiters.
    resources.extend((50..60u64).map(|id| {
        let (kind, mode, waiting) = match id {
            50 => (ResourceKind::RwLock, Some("read"), 1),
            51 => (ResourceKind::Mutex, None, 2),
            _ => (ResourceKind::Mutex, None, 0),
        };
        let waiters = (0..waiting)
            .map(|i| waiter(60 + i, "lock", ms(10)))
            .collect();
        resource(id, kind, vec![holder(27, ms(id * 10), mode)], waiters)
    }));
    let snapshot = snapshot_of(tasks, resources);
    assert_golden("blocks_shapes.txt", &render::blocks(&snapshot, &FLAT));
}
