//! Grouping of alike tasks ("panicparse, built in"): the size bar, what groups, what never does.

mod common;

use common::{conn, fatal_snapshot, frame, ms, snapshot_of, trace};
use introspect::render::{self, Detail, TextOptions};
use introspect::{Poller, Snapshot, TaskId, TaskInfo, TaskState, WakerCheck};

const GROUPED: TextOptions = TextOptions::new(Detail::AllTasks);
const FLAT: TextOptions = TextOptions {
    detail: Detail::AllTasks,
    group: false,
};

fn blocks_titles(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|line| !line.starts_with(' ') && line.ends_with(':') || line.contains("]: ids "))
        .filter(|line| line.contains(" ["))
        .collect()
}

#[test]
fn a_hundred_thousand_alike_tasks_fit_in_64_kib() {
    let n: u64 = if cfg!(miri) { 1_000 } else { 100_000 };
    let mut snapshot = fatal_snapshot();
    snapshot.tasks.retain(|task| task.id.0 < 20);
    let handful = snapshot.tasks.len();
    // Ids 1000.. with two gaps, so the title has three ranges.
    let ids = (1_000..1_000 + n + 2).filter(|&id| id != 1_500 && id != 2_000);
    snapshot
        .tasks
        .extend(ids.map(|id| conn(id, ms(1_000 + id % 3_000))));
    let out = render::text(&snapshot, &GROUPED);
    assert!(out.len() < 64 * 1024, "{} bytes", out.len());
    let count = format!("{} tasks \"conn-#\" [idle, ", group_digits(n));
    let title = out.lines().find(|line| line.starts_with(&count)).unwrap();
    let last = 1_000 + n + 1;
    assert!(
        title.ends_with(&format!("]: ids 1000-1499, 1501-1999, 2001-{last}")),
        "{title}"
    );
    let row = format!("1000-{last} (×{})", group_digits(n));
    assert!(out.lines().any(|line| line.trim_start().starts_with(&row)));
    // The summary counts every task exactly: the handful has 7 idle tasks of 12.
    let summary = out.lines().last().unwrap();
    let total = group_digits(n + handful as u64);
    let idle = group_digits(n + 7);
    assert_eq!(handful, 12);
    assert!(
        summary.starts_with(&format!("{total} tasks: {idle} idle, 1 scheduled, ")),
        "{summary}"
    );
    // Without grouping the same dump is two orders of magnitude bigger.
    if !cfg!(miri) {
        assert!(render::text(&snapshot, &FLAT).len() > 100 * out.len());
    }
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Ten alike `worker-N` tasks joining something; some of them must never be grouped.
fn never_grouped_snapshot() -> Snapshot {
    let member = |id: u64, target: u64| TaskInfo {
        spawned_at: common::site("src/pool.rs", 9, 5),
        parent: Some(TaskId(100)),
        wait: common::wait(&format!("join task {target}"), None, Some(target), ms(id)),
        idle: ms(100 * id),
        ..common::task(id, Some(&format!("worker-{id}")), TaskState::Idle)
    };
    let mut tasks: Vec<TaskInfo> = (1..=10).map(|id| member(id, 100)).collect();
    tasks[2].fatal = true; // 3
    tasks[3] = member(4, 5); // 4 and 5 deadlock
    tasks[4] = member(5, 4);
    tasks[6].state = TaskState::Running; // 7
    tasks[6].poller = Some(Poller::Worker(0));
    tasks[7].state = TaskState::Panicked; // 8
    tasks[7].poller = Some(Poller::Worker(1));
    let mut lone = member(11, 100);
    lone.spawned_at = common::site("src/other.rs", 1, 1); // alone of its kind
    tasks.push(lone);
    tasks.push(TaskInfo {
        poller: Some(Poller::BlockOn),
        ..common::task(100, Some("main"), TaskState::Running)
    });
    snapshot_of(tasks, vec![])
}

#[test]
fn fatal_running_panicked_deadlocked_and_lone_tasks_are_never_grouped() {
    let out = render::text(&never_grouped_snapshot(), &GROUPED);
    let titles = blocks_titles(&out);
    assert_eq!(
        titles,
        [
            "task 3 \"worker-3\" [idle, 300ms, join task 100] (fatal error here):",
            "task 7 \"worker-7\" [running, join task 100]:",
            "task 8 \"worker-8\" [panicked, join task 100]:",
            "task 100 \"main\" [running]:",
            "task 4 \"worker-4\" [idle, 400ms, join task 5]:",
            "task 5 \"worker-5\" [idle, 500ms, join task 4]:",
            "5 tasks \"worker-#\" [idle, 100ms..1.00s, join task 100]: ids 1-2, 6, 9-10",
            "task 11 \"worker-11\" [idle, 1.10s, join task 100]:",
        ]
    );
    // The shared lines: the joined task (all agree), the parent (all agree).
    let group = out
        .split("\n\n")
        .find(|b| b.starts_with("5 tasks"))
        .unwrap();
    assert_eq!(
        group,
        "5 tasks \"worker-#\" [idle, 100ms..1.00s, join task 100]: ids 1-2, 6, 9-10\n    \
         waits for task 100\n    \
         spawned at src/pool.rs:9:5 by task 100\n    \
         polls 0, busy 0ns, longest poll -, wakes 0, self-wakes 0"
    );
    // The table agrees with the blocks, row for row.
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("ID "))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(rows, ["3", "7", "8", "100", "4", "5", "1-10", "11"]);
}

#[test]
fn grouping_off_or_single_shows_every_task_on_its_own() {
    let snapshot = never_grouped_snapshot();
    let flat = render::text(&snapshot, &FLAT);
    assert_eq!(blocks_titles(&flat).len(), snapshot.tasks.len());
    assert!(!flat.contains(" tasks \""));
    let mut single = TextOptions::new(Detail::FatalTaskOnly);
    single.group = true;
    let out = render::text(&snapshot, &single);
    assert_eq!(
        blocks_titles(&out),
        ["task 3 \"worker-3\" [idle, 300ms, join task 100] (fatal error here):"]
    );
    assert!(out.contains("\nnote: 11 other tasks not shown (EXECUTOR_TRACEBACK=single); the JSON dump lists every task\n"));
}

#[test]
fn what_makes_tasks_alike() {
    let base = |id: u64| TaskInfo {
        spawned_at: common::site("src/a.rs", 1, 1),
        trace: trace(
            vec![frame("a::f", "src/a.rs", 2, 3)],
            Some("leaf"),
            WakerCheck::Kept,
        ),
        ..common::task(id, Some(&format!("job-{id}")), TaskState::Idle)
    };
    type Change = fn(&mut TaskInfo);
    let variants: Vec<(&str, Change)> = vec![
        ("state", |t| t.state = TaskState::Scheduled),
        ("name", |t| t.name = Some("other-1".to_owned())),
        ("no name", |t| t.name = None),
        ("spawn site", |t| {
            t.spawned_at = common::site("src/a.rs", 1, 2)
        }),
        ("wait kind", |t| {
            t.wait = common::wait("sleep (1s left)", None, None, ms(1))
        }),
        ("trace frame", |t| {
            t.trace = trace(
                vec![frame("a::f", "src/a.rs", 2, 4)],
                Some("leaf"),
                WakerCheck::Kept,
            )
        }),
        ("trace leaf", |t| {
            t.trace = trace(
                vec![frame("a::f", "src/a.rs", 2, 3)],
                Some("other"),
                WakerCheck::Kept,
            )
        }),
        ("waker", |t| {
            t.trace = trace(
                vec![frame("a::f", "src/a.rs", 2, 3)],
                Some("leaf"),
                WakerCheck::NoWaker,
            )
        }),
        ("no trace", |t| t.trace = None),
        ("stack", |t| {
            t.stack = common::stack(vec![frame("a::g", "src/a.rs", 9, 9)])
        }),
    ];
    for (what, change) in variants {
        let mut odd = base(3);
        change(&mut odd);
        let snapshot = snapshot_of(vec![base(1), base(2), odd, base(4)], vec![]);
        let out = render::text(&snapshot, &GROUPED);
        assert!(
            out.contains("\n3 tasks \"job-#\" [idle, 0ns]: ids 1-2, 4\n"),
            "{what}:\n{out}"
        );
        assert!(out.contains("\ntask 3 "), "{what}");
    }
    // What does not matter: digits in names and waits, counters, times, parents, ids.
    let mut alike = base(3);
    alike.polls = 99;
    alike.idle = ms(5);
    alike.parent = Some(TaskId(1));
    let snapshot = snapshot_of(vec![base(1), base(2), alike], vec![]);
    let out = render::text(&snapshot, &GROUPED);
    assert!(
        out.contains("\n3 tasks \"job-#\" [idle, 0ns..5.00ms]: ids 1-3\n"),
        "{out}"
    );
    assert!(
        out.contains("\n    spawned at src/a.rs:1:1 by 1 task (some root)\n"),
        "{out}"
    );
    assert!(
        out.contains("\n    polls 0..99, busy 0ns, longest poll -, wakes 0, self-wakes 0\n"),
        "{out}"
    );
}

#[test]
fn shared_name_and_wait_are_shown_exactly_when_all_agree() {
    let member = |id: u64, what: &str| TaskInfo {
        wait: common::wait(what, None, None, ms(1)),
        parent: Some(TaskId(id % 3 + 1)),
        ..common::task(id, Some("poller"), TaskState::Idle)
    };
    let same = snapshot_of(
        (10..13).map(|id| member(id, "sleep (1.2s left)")).collect(),
        vec![],
    );
    let out = render::text(&same, &GROUPED);
    assert!(
        out.contains("\n3 tasks \"poller\" [idle, 0ns, sleep (1.2s left)]: ids 10-12\n"),
        "{out}"
    );
    assert!(
        out.contains("\n    spawned at <unknown> by 3 tasks\n"),
        "{out}"
    );
    let differ = snapshot_of(
        vec![
            member(10, "sleep (1.2s left)"),
            member(11, "sleep (840ms left)"),
        ],
        vec![],
    );
    let out = render::text(&differ, &GROUPED);
    assert!(
        out.contains("\n2 tasks \"poller\" [idle, 0ns, sleep (# left)]: ids 10-11\n"),
        "{out}"
    );
}

#[test]
fn id_ranges_are_bounded() {
    // Every other id: 20 ranges of one id.
    let tasks = (0..20).map(|i| conn(2 * i + 1, ms(1))).collect();
    let out = render::text(&snapshot_of(tasks, vec![]), &GROUPED);
    assert!(
        out.contains("\n20 tasks \"conn-#\" [idle, 1.00ms]: ids 1, 3, 5, 7, 9, 11, 13, 15, … (+12 more ranges)\n"),
        "{out}"
    );
    assert!(out.contains("\n1-39 (×20)  idle"), "{out}");
}
