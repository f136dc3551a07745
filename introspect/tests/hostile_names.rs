//! User text that tries to forge, hide, overwrite or reorder lines of a dump.
//!
//! The method: render a snapshot whose every user string is hostile, and the same snapshot
//! with benign strings. The two dumps must have the same number of lines, each with the same
//! indentation, and the lines the renderer starts with its own words (task titles, `spawned
//! at`, frame lines, stats, ...) must start with the same words. No hidden char may reach the
//! output.

mod common;

use common::{conn, fatal_snapshot, frame, live_snapshot, site, trace};
use introspect::render::{self, Detail, TextOptions};
use introspect::{is_hidden, Reason, Snapshot, Stack, TaskId, Trace, WakerCheck, NAME_LIMIT};

const FORGED_LINE: &str = "a\nTASK 1 idle";
const ANSI: &str = "\x1b[2J\x1b[31mred";
const OVERWRITE: &str = "innocent\r    spawned at src/main.rs:1:1 by task 1";
const BIDI: &str = "admin\u{202e}txt.exe\u{2066}x\u{2069}\u{2028}y\u{2029}z";
const QUOTES: &str = "a\" [idle, 1s]:\n    \"b\\";
const C1: &str = "\u{9b}31m\u{85}next\u{7f}";
const FORGED_DEADLOCK: &str = "x\ndeadlock: task 1 waits for task 2 (join)\nnote: all fine";

const FLAT: TextOptions = TextOptions {
    detail: Detail::AllTasks,
    group: false,
};

fn huge() -> String {
    "x".repeat(10 * 1024)
}

/// Every user string of a snapshot, as a list of mutable slots.
fn user_strings(snapshot: &mut Snapshot) -> Vec<&mut String> {
    let mut slots: Vec<&mut String> = Vec::new();
    match &mut snapshot.reason {
        Reason::Fatal {
            message, location, ..
        } => {
            slots.push(message);
            if let Some(location) = location {
                slots.push(location.file.to_mut());
            }
        }
        Reason::Signal { name } => slots.push(name),
        Reason::Live => {}
    }
    for frame in snapshot.backtrace.iter_mut().flatten() {
        slots.push(&mut frame.function);
        slots.extend(frame.file.as_mut());
    }
    for worker in &mut snapshot.workers {
        slots.push(&mut worker.thread_name);
    }
    for task in &mut snapshot.tasks {
        slots.extend(task.name.as_mut());
        if let Some(site) = &mut task.spawned_at {
            slots.push(site.file.to_mut());
        }
        if let Some(wait) = &mut task.wait {
            slots.push(&mut wait.what);
        }
        match &mut task.trace {
            Some(Trace::Captured { frames, leaf, .. }) => {
                for frame in frames {
                    slots.push(&mut frame.function);
                    slots.extend(frame.file.as_mut());
                }
                slots.extend(leaf.as_mut());
            }
            Some(Trace::Unavailable { reason }) => slots.push(reason),
            None => {}
        }
        match &mut task.stack {
            Some(Stack::Captured { frames }) => {
                for frame in frames {
                    slots.push(&mut frame.function);
                    slots.extend(frame.file.as_mut());
                }
            }
            Some(Stack::Unavailable { reason }) => slots.push(reason),
            None => {}
        }
        if let Some(panic) = &mut task.panic {
            slots.push(&mut panic.message);
            if let Some(location) = &mut panic.location {
                slots.push(location.file.to_mut());
            }
        }
    }
    for resource in &mut snapshot.resources {
        slots.extend(resource.detail.as_mut());
        if let Some(site) = &mut resource.created_at {
            slots.push(site.file.to_mut());
        }
        for holder in &mut resource.holders {
            slots.extend(holder.mode.as_mut());
        }
        for waiter in &mut resource.waiters {
            slots.push(&mut waiter.op);
        }
    }
    for note in &mut snapshot.notes {
        slots.push(note);
    }
    slots
}

/// The sample with every task named, traced and located, every holder with a mode, so each
/// hostile string has a slot.
fn base() -> Snapshot {
    let mut snapshot = fatal_snapshot();
    snapshot.notes.push("second note".to_owned());
    for task in &mut snapshot.tasks {
        task.name.get_or_insert_with(|| "unnamed".to_owned());
        task.spawned_at
            .get_or_insert_with(|| site("src/x.rs", 1, 1).unwrap());
        if task.trace.is_none() && task.stack.is_none() && !task.in_poll_for_tests() {
            task.trace = trace(
                vec![frame("f", "src/f.rs", 1, 1)],
                Some("leaf"),
                WakerCheck::Kept,
            );
        }
    }
    for resource in &mut snapshot.resources {
        resource.detail.get_or_insert_with(|| "detail".to_owned());
        for holder in &mut resource.holders {
            holder.mode.get_or_insert_with(|| "mode".to_owned());
        }
    }
    snapshot
}

/// `in_poll` is crate-private; the tests spell it out.
trait InPoll {
    fn in_poll_for_tests(&self) -> bool;
}

impl InPoll for introspect::TaskInfo {
    fn in_poll_for_tests(&self) -> bool {
        matches!(
            self.state,
            introspect::TaskState::Running | introspect::TaskState::Panicked
        )
    }
}

fn hostile() -> Snapshot {
    let mut snapshot = base();
    let attacks = [
        FORGED_LINE,
        ANSI,
        OVERWRITE,
        BIDI,
        QUOTES,
        C1,
        FORGED_DEADLOCK,
    ];
    for (i, slot) in user_strings(&mut snapshot).into_iter().enumerate() {
        *slot = match attacks.get(i % (attacks.len() + 1)) {
            Some(attack) => format!("{attack}{i}"),
            None => huge(),
        };
    }
    snapshot
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The words the renderer itself starts a line with.
const OWN_WORDS: [&str; 25] = [
    "task ",
    "fatal ",
    "freeze ",
    "time:",
    "pid:",
    "deadlock:",
    "workers:",
    "resources:",
    "note:",
    "    spawned ",
    "    polls ",
    "    on ",
    "    at ",
    "    in ",
    "    (",
    "    waiting in ",
    "    waits for ",
    "    last polled ",
    "    panicked",
    "    await trace unavailable",
    "    stack unavailable",
    "    holds no waker",
    "    was ready",
    "    native stack",
    "    holds ",
];

fn assert_same_shape(benign: &str, hostile: &str) {
    let benign: Vec<&str> = benign.split('\n').collect();
    let hostile: Vec<&str> = hostile.split('\n').collect();
    assert_eq!(
        benign.len(),
        hostile.len(),
        "line count changed:\n{}",
        hostile.join("\n")
    );
    for (b, h) in benign.iter().zip(&hostile) {
        assert_eq!(indent(b), indent(h), "indentation changed: {b:?} -> {h:?}");
        for word in OWN_WORDS {
            assert_eq!(b.starts_with(word), h.starts_with(word), "{b:?} -> {h:?}");
        }
    }
}

fn assert_nothing_hidden(out: &str) {
    for c in out.chars() {
        assert!(c == '\n' || !is_hidden(c), "{c:?} reached the output");
    }
}

#[test]
fn every_slot_is_attacked() {
    // Enough slots that each attack lands on every kind of string at least once.
    let mut snapshot = base();
    assert!(user_strings(&mut snapshot).len() > 100);
}

#[test]
fn text_dump_keeps_its_shape() {
    let options = [
        FLAT,
        TextOptions::new(Detail::FatalTaskOnly),
        TextOptions::new(Detail::HeaderOnly),
    ];
    for options in options {
        let out = render::text(&hostile(), &options);
        assert_same_shape(&render::text(&base(), &options), &out);
        assert_nothing_hidden(&out);
        assert!(!out.split('\n').any(|line| line.starts_with("TASK")));
        let forged = out.split('\n').filter(|line| line.starts_with("deadlock:"));
        assert!(forged.count() <= 1, "only the real cycle may start a line");
    }
}

#[test]
fn live_and_signal_dumps_keep_their_shape() {
    let mut benign = live_snapshot();
    benign.reason = Reason::Signal {
        name: "SIGQUIT".to_owned(),
    };
    let mut hostile = benign.clone();
    for slot in user_strings(&mut hostile) {
        *slot = format!("{FORGED_LINE}{ANSI}{OVERWRITE}{BIDI}{QUOTES}{C1}{FORGED_DEADLOCK}");
    }
    let out = render::text(&hostile, &FLAT);
    assert_same_shape(&render::text(&benign, &FLAT), &out);
    assert_nothing_hidden(&out);
}

#[test]
fn group_titles_and_rows_escape_names_and_wait_texts() {
    let mut benign = fatal_snapshot();
    benign
        .tasks
        .extend((100..110).map(|id| conn(id, common::ms(id))));
    let mut hostile = benign.clone();
    for task in hostile.tasks.iter_mut().filter(|task| task.id.0 >= 100) {
        // Same pattern for all ten, so they still group: only the digits differ.
        task.name = Some(format!("{FORGED_LINE}{ANSI}{BIDI}-{}", task.id));
        task.wait = common::wait(
            &format!("{QUOTES}{C1} #{}", task.id),
            None,
            None,
            common::ms(1),
        );
    }
    for task in benign.tasks.iter_mut().filter(|task| task.id.0 >= 100) {
        task.wait = common::wait(&format!("benign #{}", task.id), None, None, common::ms(1));
    }
    let out = hostile.to_string();
    assert_same_shape(&benign.to_string(), &out);
    assert_nothing_hidden(&out);
    let title = out
        .lines()
        .find(|line| line.starts_with("10 tasks "))
        .expect("the ten alike tasks are grouped");
    assert!(
        title.contains("\"a\\nTASK # idle\\u{1b}[#J\\u{1b}[#mred"),
        "{title}"
    );
    assert!(title.ends_with("]: ids 100-109"), "{title}");
}

#[test]
fn every_task_title_is_one_line_with_its_own_closing_quote() {
    let out = render::text(&hostile(), &FLAT);
    let titles: Vec<&str> = out
        .lines()
        .filter(|line| line.starts_with("task "))
        .collect();
    assert_eq!(titles.len(), hostile().tasks.len());
    for title in titles {
        // Quotes inside a name are escaped, so after the opening quote the first unescaped
        // quote is the closing one, and what follows is the renderer's `[state...]:`.
        let rest = &title[title.find('"').unwrap() + 1..];
        let mut escaped = false;
        let close = rest
            .char_indices()
            .find(|&(_, c)| {
                let is_close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                is_close
            })
            .map(|(i, _)| i)
            .unwrap();
        let after = &rest[close + 1..];
        let after = after.strip_prefix(|c| c == '…').map_or(after, |a| {
            // The bound marker: `…(+N bytes)`.
            &a[a.find(')').unwrap() + 1..]
        });
        assert!(after.starts_with(" ["), "{title:?}");
        assert!(
            after.ends_with("]:") || after.ends_with("(fatal error here):"),
            "{title:?}"
        );
    }
}

#[test]
fn the_10kb_strings_are_bounded() {
    let mut snapshot = fatal_snapshot();
    snapshot.tasks[0].name = Some(huge());
    snapshot.notes = vec![huge()];
    if let Some(Trace::Captured { frames, .. }) = &mut snapshot.tasks[1].trace {
        frames[0].function = huge();
    }
    let out = render::text(&snapshot, &FLAT);
    let longest = out.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(
        longest < introspect::LINE_LIMIT + 64,
        "a line of {longest} chars"
    );
    assert!(out.contains(&format!("…(+{} bytes)", 10 * 1024 - NAME_LIMIT)));
    assert!(out.contains(&format!("…(+{} bytes)", 10 * 1024 - introspect::LINE_LIMIT)));
    assert!(out.len() < 3 * 10 * 1024);
    // The table cell is cut shorter still.
    let row = out
        .lines()
        .find(|line| line.contains("xxx") && !line.starts_with("task"))
        .unwrap();
    assert!(row.contains("xxx\"…"), "{row}");
}

#[test]
fn json_keeps_raw_but_bounded_strings_and_hides_nothing() {
    let snapshot = hostile();
    let text = render::json(&snapshot);
    assert_nothing_hidden(&text);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, render::to_json_value(&snapshot));
    let tasks = value["tasks"].as_array().unwrap();
    for task in tasks {
        let name = task["name"].as_str().unwrap();
        let raw = snapshot
            .tasks
            .iter()
            .find(|t| task["id"] == t.id.0)
            .unwrap();
        let raw = raw.name.as_deref().unwrap();
        if raw.chars().count() <= NAME_LIMIT {
            // Raw strings round-trip exactly, hostile chars and all.
            assert_eq!(name, raw);
        } else {
            assert!(name.starts_with(&raw[..NAME_LIMIT]));
            assert!(name.ends_with(&format!("…(+{} bytes)", raw.len() - NAME_LIMIT)));
        }
    }
    // Every string of the document is bounded.
    fn longest(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::String(s) => s.chars().count(),
            serde_json::Value::Array(items) => items.iter().map(longest).max().unwrap_or(0),
            serde_json::Value::Object(map) => map.values().map(longest).max().unwrap_or(0),
            _ => 0,
        }
    }
    assert!(longest(&value) <= introspect::MESSAGE_LIMIT + 20);
    // ESC is kept as data, escaped the JSON way.
    assert!(text.contains("\\u001b[2J"));
}

#[test]
fn fatal_task_found_by_reason_alone() {
    let mut snapshot = fatal_snapshot();
    for task in &mut snapshot.tasks {
        task.fatal = false;
    }
    let single = TextOptions::new(Detail::FatalTaskOnly);
    let out = render::text(&snapshot, &single);
    assert!(out.contains("task 5 \"conn-42\" [running] (fatal error here):"));
    assert_eq!(out.matches("\ntask ").count(), 1);
    assert_eq!(render::to_json_value(&snapshot)["tasks"][4]["fatal"], true);
    // A fatal reason naming a task absent from the snapshot is still rendered.
    if let Reason::Fatal { task, .. } = &mut snapshot.reason {
        *task = Some(TaskId(999));
    }
    let out = render::text(&snapshot, &single);
    assert!(out.contains("in task 999\n"));
    assert!(out.contains("(no task raised the fatal error)"));
    assert!(out.contains("note: 18 other tasks not shown (EXECUTOR_TRACEBACK=single)"));
}
