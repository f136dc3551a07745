//! Golden tests: each section, each detail level and the JSON, rendered from hand-built
//! snapshots and compared exactly with `tests/golden/*`.

mod common;

use common::{assert_golden, empty_snapshot, fatal_snapshot, live_snapshot};
use introspect::render::{self, Detail, TextOptions};
use introspect::Snapshot;

const ALL: TextOptions = TextOptions {
    detail: Detail::AllTasks,
};
const SINGLE: TextOptions = TextOptions {
    detail: Detail::FatalTaskOnly,
};
const NONE: TextOptions = TextOptions {
    detail: Detail::HeaderOnly,
};

#[test]
fn header_fatal() {
    let snapshot = fatal_snapshot();
    let out = render::header(&snapshot, &ALL) + "\n" + &render::backtrace(&snapshot, &ALL);
    assert_golden("header_fatal.txt", &out);
}

#[test]
fn header_live_and_signal() {
    let out = [
        render::header(&live_snapshot(), &ALL),
        render::header(&empty_snapshot(), &ALL),
        render::header(&empty_snapshot(), &NONE),
    ]
    .join("\n");
    assert_golden("header_other.txt", &out);
}

#[test]
fn workers() {
    assert_golden("workers.txt", &render::workers(&fatal_snapshot(), &ALL));
}

#[test]
fn table() {
    let out =
        render::table(&fatal_snapshot(), &ALL) + "\n" + &render::table(&live_snapshot(), &ALL);
    assert_golden("table.txt", &out);
}

#[test]
fn blocks() {
    assert_golden("blocks_fatal.txt", &render::blocks(&fatal_snapshot(), &ALL));
    assert_golden("blocks_live.txt", &render::blocks(&live_snapshot(), &ALL));
}

#[test]
fn summary() {
    let mut one = empty_snapshot();
    one.tasks
        .push(common::task(9, None, introspect::TaskState::Idle));
    one.workers
        .push(common::worker(0, introspect::WorkerState::Exited, 0, 0));
    let out: String = [fatal_snapshot(), live_snapshot(), empty_snapshot(), one]
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

#[test]
fn json() {
    // A final newline keeps the golden files tidy; `json` itself does not add one.
    assert_golden("snapshot.json", &(render::json(&fatal_snapshot()) + "\n"));
    assert_golden("empty.json", &(render::json(&empty_snapshot()) + "\n"));
}

#[test]
fn json_value_has_version_and_totals() {
    let value = render::to_json_value(&fatal_snapshot());
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["totals"]["tasks"], 7);
    assert_eq!(value["totals"]["skipped"], 1);
    assert_eq!(value["tasks"][0]["id"], 1, "tasks are sorted by id");
    assert_eq!(
        value["tasks"][1]["idle"], 2_100_000_000u64,
        "durations are nanoseconds"
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
    for snapshot in [fatal_snapshot(), live_snapshot(), empty_snapshot()] {
        for options in [ALL, SINGLE, NONE] {
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
        task.id = introspect::TaskId(u64::MAX - task.id.0);
        task.polls = u64::MAX;
        task.wakes = u64::MAX;
        task.self_wakes = u64::MAX;
        task.busy = std::time::Duration::MAX;
        task.idle = std::time::Duration::MAX;
        task.running_for = Some(std::time::Duration::MAX);
        task.worker = Some(usize::MAX);
        task.trace = Some(vec![String::new(); 10_000]);
    }
    snapshot.backtrace = Some("\n".repeat(10_000) + &"frame\n".repeat(10_000));
    for options in [ALL, SINGLE, NONE] {
        let out = render::text(&snapshot, &options);
        assert!(out.contains("…(+9744 lines)") || options.detail == Detail::HeaderOnly);
    }
    let value = render::to_json_value(&snapshot);
    assert_eq!(value["tasks"][0]["busy"], u64::MAX);
}
