//! Golden tests: each section, each detail level and the JSON, rendered from hand-built
//! snapshots and compared exactly with `tests/golden/*`.

mod common;

use common::*;
use introspect::render::{self, Detail, TextOptions};
use introspect::{Reason, ResourceKind, Snapshot, TaskId, TaskInfo, TaskState, WorkerState};
use std::time::Duration;

const ALL: TextOptions = TextOptions::new(Detail::AllTasks);
const FLAT: TextOptions = TextOptions {
    detail: Detail::AllTasks,
    group: false,
};
const SINGLE: TextOptions = TextOptions::new(Detail::FatalTaskOnly);
const NONE: TextOptions = TextOptions::new(Detail::HeaderOnly);

#[test]
fn header_fatal() {
    assert_golden("header_fatal.txt", &render::header(&fatal_snapshot(), &ALL));
}

#[test]
fn header_live_and_signal() {
    let mut no_location = fatal_snapshot();
    no_location.reason = Reason::Fatal {
        message: String::new(),
        location: None,
        task: None,
    };
    let out = [
        render::header(&live_snapshot(), &ALL),
        render::header(&empty_snapshot(), &ALL),
        render::header(&empty_snapshot(), &NONE),
        render::header(&no_location, &ALL),
    ]
    .join("\n");
    assert_golden("header_other.txt", &out);
}

#[test]
fn backtrace_folds_runtime_runs() {
    let snapshot = fatal_snapshot();
    let mut starts_with_user = fatal_snapshot();
    starts_with_user.backtrace = Some(fatal_backtrace()[2..5].to_vec());
    let mut empty = fatal_snapshot();
    empty.backtrace = Some(Vec::new());
    let mut long = fatal_snapshot();
    // Twelve frames: indices are right-aligned to two digits.
    long.backtrace = Some([fatal_backtrace(), fatal_backtrace()[..3].to_vec()].concat());
    let out = [
        render::backtrace(&snapshot, &ALL),
        render::backtrace(&starts_with_user, &ALL),
        render::backtrace(&empty, &ALL),
        render::backtrace(&long, &ALL),
    ]
    .join("\n");
    assert_golden("backtrace.txt", &out);
    assert_eq!(render::backtrace(&snapshot, &NONE), "");
    assert_eq!(render::backtrace(&live_snapshot(), &ALL), "");
}

/// Task 1 joins 2 which waits for mutex #7 held by 1; 3 and 4 join each other; 5 waits for
/// rwlock #8 held for reading by 6 and 7, and 6 waits for 5; 9 joins itself.
fn cycles_snapshot() -> Snapshot {
    let idle = |id, what: &str, resource, task| TaskInfo {
        wait: wait(what, resource, task, ms(500)),
        ..common::task(id, None, TaskState::Idle)
    };
    snapshot_of(
        vec![
            idle(1, "join task 2", None, Some(2)),
            idle(2, "mutex #7 lock", Some(7), None),
            idle(3, "join task 4", None, Some(4)),
            idle(4, "join task 3", None, Some(3)),
            idle(5, "rwlock #8 write", Some(8), None),
            idle(6, "join task 5", None, Some(5)),
            idle(7, "sleep (2.0s left)", None, None),
            idle(9, "join task 9", None, Some(9)),
        ],
        vec![
            resource(
                7,
                ResourceKind::Mutex,
                vec![holder(1, ms(900), None)],
                vec![],
            ),
            resource(
                8,
                ResourceKind::RwLock,
                vec![
                    holder(6, ms(800), Some("read")),
                    holder(7, ms(700), Some("read")),
                ],
                vec![waiter(5, "write", ms(600))],
            ),
        ],
    )
}

#[test]
fn deadlock_lines() {
    let out = render::deadlocks(&cycles_snapshot(), &ALL)
        + "\n"
        + &render::deadlocks(&fatal_snapshot(), &SINGLE);
    assert_golden("deadlocks.txt", &out);
    assert_eq!(render::deadlocks(&fatal_snapshot(), &NONE), "");
    assert_eq!(render::deadlocks(&empty_snapshot(), &ALL), "");
    // A live snapshot sees the same waits, so the same cycle.
    assert_eq!(
        render::deadlocks(&live_snapshot(), &ALL),
        render::deadlocks(&fatal_snapshot(), &ALL)
    );
}

#[test]
fn workers() {
    let out =
        render::workers(&fatal_snapshot(), &ALL) + "\n" + &render::workers(&live_snapshot(), &ALL);
    assert_golden("workers.txt", &out);
    assert_eq!(render::workers(&fatal_snapshot(), &SINGLE), "");
}

#[test]
fn table() {
    let out = [
        render::table(&fatal_snapshot(), &FLAT),
        render::table(&fatal_snapshot(), &ALL),
        render::table(&live_snapshot(), &FLAT),
    ]
    .join("\n");
    assert_golden("table.txt", &out);
}

#[test]
fn blocks() {
    assert_golden(
        "blocks_fatal.txt",
        &render::blocks(&fatal_snapshot(), &FLAT),
    );
    assert_golden("blocks_live.txt", &render::blocks(&live_snapshot(), &FLAT));
}

#[test]
fn resources() {
    let mut snapshot = fatal_snapshot();
    let waiters = (100..111)
        .map(|id| waiter(id, "acquire 2", ms(id - 50)))
        .collect();
    let mut busy = resource(
        11,
        ResourceKind::Semaphore,
        vec![holder(3, ms(5_000), Some("6 permits"))],
        waiters,
    );
    busy.detail = Some("2 of 8 permits".to_owned());
    snapshot.resources.push(busy);
    let mut lock = resource(
        9,
        ResourceKind::RwLock,
        vec![
            holder(20, ms(700), Some("read")),
            holder(21, ms(650), Some("read")),
        ],
        vec![waiter(22, "write", ms(600))],
    );
    lock.created_at = site("src/cache.rs", 5, 17);
    snapshot.resources.push(lock);
    let mut closed = resource(3, ResourceKind::Mpsc, vec![], vec![]);
    closed.detail = Some("closed".to_owned());
    snapshot.resources.push(closed);
    assert_golden("resources.txt", &render::resources(&snapshot, &ALL));
    assert_eq!(render::resources(&snapshot, &SINGLE), "");
    assert_eq!(render::resources(&empty_snapshot(), &ALL), "");
}

#[test]
fn notes() {
    let snapshot = fatal_snapshot();
    let mut many = empty_snapshot();
    many.notes = (0..300).map(|i| format!("note {i}")).collect();
    let many = render::notes(&many, &ALL);
    assert_eq!(many.lines().count(), 257);
    assert!(many.ends_with("note: note 255\nnote: …(+44 lines)\n"));
    let out = render::notes(&snapshot, &ALL) + "\n" + &render::notes(&snapshot, &SINGLE);
    assert_golden("notes.txt", &out);
    // Notes say what a dump lacks: shown at every level.
    assert_eq!(
        render::notes(&snapshot, &NONE),
        render::notes(&snapshot, &ALL)
    );
}

#[test]
fn summary() {
    let mut one = empty_snapshot();
    one.tasks.push(common::task(9, None, TaskState::Idle));
    one.workers.push(worker(0, WorkerState::Exited, 0, 0));
    let out: String = [
        fatal_snapshot(),
        live_snapshot(),
        empty_snapshot(),
        one,
        cycles_snapshot(),
    ]
    .iter()
    .map(|snapshot| render::summary(snapshot, &ALL))
    .collect();
    assert_golden("summary.txt", &out);
}

#[test]
fn dumps_at_each_detail_level() {
    let snapshot = fatal_snapshot();
    assert_golden("dump_all.txt", &render::text(&snapshot, &ALL));
    assert_golden("dump_single.txt", &render::text(&snapshot, &SINGLE));
    assert_golden("dump_none.txt", &render::text(&snapshot, &NONE));
    assert_golden("dump_live.txt", &live_snapshot().to_string());
}

#[test]
fn empty_snapshot_at_each_detail_level() {
    let snapshot = empty_snapshot();
    let out = [ALL, SINGLE, NONE]
        .map(|options| render::text(&snapshot, &options))
        .join("--\n");
    assert_golden("dump_empty.txt", &out);
}

/// A hung service: 1,000 connections waiting for their sockets, 200 waiting on the pool
/// semaphore behind a stuck one, and a handful of others.
#[test]
fn grouped_dump() {
    let mut snapshot = fatal_snapshot();
    snapshot.tasks.retain(|task| task.id.0 < 20);
    snapshot
        .tasks
        .extend((100..1_100).map(|id| conn(id, ms(1_000 + id))));
    snapshot.tasks.extend((2_000..2_200).map(|id| TaskInfo {
        wait: wait(
            "semaphore #2 acquire (0 of 1 permits)",
            Some(2),
            None,
            ms(id),
        ),
        trace: None,
        ..conn(id, ms(id))
    }));
    let pool = snapshot.resources.iter_mut().find(|r| r.id.0 == 2).unwrap();
    pool.waiters = (2_000..2_200)
        .map(|id| waiter(id, "acquire", ms(id)))
        .collect();
    assert_golden("dump_grouped.txt", &render::text(&snapshot, &ALL));
}

#[test]
fn json() {
    // A final newline keeps the golden files tidy; `json` itself does not add one.
    assert_golden("snapshot.json", &(render::json(&fatal_snapshot()) + "\n"));
    assert_golden("empty.json", &(render::json(&empty_snapshot()) + "\n"));
}

#[test]
fn json_value_has_version_units_and_totals() {
    let value = render::to_json_value(&fatal_snapshot());
    assert_eq!(value["schema_version"], 2);
    assert_eq!(value["totals"]["tasks"], 18);
    assert_eq!(value["totals"]["skipped"], 1);
    assert_eq!(value["totals"]["panicked"], 1);
    assert_eq!(value["totals"]["deadlocks"], 1);
    assert_eq!(value["tasks"][0]["id"], 1, "tasks are sorted by id");
    assert_eq!(value["tasks"][1]["idle_ns"], 2_100_000_000u64);
    assert_eq!(
        value["tasks"][2]["idle_ns"],
        serde_json::Value::Null,
        "running"
    );
    assert_eq!(value["tasks"][2]["worker"], 0);
    assert_eq!(value["tasks"][0]["worker"], serde_json::Value::Null, "idle");
    assert_eq!(value["tasks"][0]["last_worker"], 0);
    assert_eq!(value["tasks"][6]["lost_wakeup"], true);
    assert_eq!(value["tasks"][9]["waits_for"], 9);
    assert_eq!(value["reason"]["location"]["line"], 88);
    assert_eq!(
        value["backtrace"].as_array().unwrap().len(),
        9,
        "every frame"
    );
    let text = render::json(&fatal_snapshot());
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, value);
}

#[test]
fn write_text_writes_what_text_renders() {
    let snapshot = fatal_snapshot();
    let mut out = Vec::new();
    render::write_text(&snapshot, &ALL, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        render::text(&snapshot, &ALL)
    );
}

#[test]
fn no_line_ends_in_whitespace() {
    for snapshot in [
        fatal_snapshot(),
        live_snapshot(),
        empty_snapshot(),
        cycles_snapshot(),
    ] {
        for options in [ALL, FLAT, SINGLE, NONE] {
            let out = render::text(&snapshot, &options);
            assert!(out.ends_with('\n'));
            for line in out.lines() {
                assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
            }
        }
    }
}

#[test]
fn extreme_values_do_not_panic() {
    let mut snapshot: Snapshot = fatal_snapshot();
    snapshot.taken_at_unix_ms = u64::MAX;
    snapshot.pid = u32::MAX;
    for task in &mut snapshot.tasks {
        task.id = TaskId(u64::MAX - task.id.0);
        task.polls = u64::MAX;
        task.wakes = u64::MAX;
        task.self_wakes = u64::MAX;
        task.busy = Duration::MAX;
        task.idle = Duration::MAX;
        task.running_for = Some(Duration::MAX);
        task.longest_poll = longest(Duration::MAX, Duration::MAX);
        task.last_worker = Some(usize::MAX);
        task.trace = trace(runtime(10_000), None, introspect::WakerCheck::Kept);
        task.stack = stack(vec![frame("f", "f.rs", u32::MAX, u32::MAX); 10_000]);
    }
    snapshot.backtrace = Some(vec![frame("frame", "f.rs", 1, 1); 10_000]);
    for options in [ALL, FLAT, SINGLE, NONE] {
        let out = render::text(&snapshot, &options);
        assert!(out.contains("…(+9744 lines)") || options.detail == Detail::HeaderOnly);
        assert!(out.contains("(10000 runtime frames)") || options.detail == Detail::HeaderOnly);
    }
    let value = render::to_json_value(&snapshot);
    assert_eq!(value["tasks"][0]["busy_ns"], u64::MAX);
    let frames = value["tasks"][0]["stack"]["frames"].as_array().unwrap();
    assert_eq!(frames.len(), introspect::LINES_LIMIT + 1);
    assert_eq!(
        frames[introspect::LINES_LIMIT]["function"],
        "…(+9744 frames)"
    );
}
