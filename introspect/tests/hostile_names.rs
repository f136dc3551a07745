//! User text that tries to forge, hide, overwrite or reorder lines of a dump.
//!
//! The method: render a snapshot whose every user string is hostile, and the same snapshot
//! with benign strings. The two dumps must have the same number of lines, each with the same
//! indentation, and the lines the renderer starts with its own words (task titles, `spawned
//! at`, stats, ...) must start with the same words. No hidden char may reach the output.

mod common;

use common::{fatal_snapshot, live_snapshot, site, trace};
use introspect::render::{self, Detail, TextOptions};
use introspect::{is_hidden, Reason, Snapshot, TaskId, NAME_LIMIT};

const FORGED_LINE: &str = "a\nTASK 1 idle";
const ANSI: &str = "\x1b[2J\x1b[31mred";
const OVERWRITE: &str = "innocent\r    spawned at src/main.rs:1:1 by task 1";
const BIDI: &str = "admin\u{202e}txt.exe\u{2066}x\u{2069}\u{2028}y\u{2029}z";
const QUOTES: &str = "a\" [idle, 1s]:\n    \"b\\";
const C1: &str = "\u{9b}31m\u{85}next\u{7f}";

fn huge() -> String {
    "x".repeat(10 * 1024)
}

/// Every single-line user string of the sample snapshot, as a list of mutable slots. (The
/// backtrace is multi-line by nature: [`hostile`] replaces it line by line.)
fn user_strings(snapshot: &mut Snapshot) -> Vec<&mut String> {
    let mut slots: Vec<&mut String> = Vec::new();
    match &mut snapshot.reason {
        Reason::Fatal {
            message, location, ..
        } => {
            slots.push(message);
            if let Some(location) = location {
                slots.push(location);
            }
        }
        Reason::Signal { name } => slots.push(name),
        Reason::Live => {}
    }
    for worker in &mut snapshot.workers {
        slots.push(&mut worker.thread_name);
    }
    for task in &mut snapshot.tasks {
        if let Some(name) = &mut task.name {
            slots.push(name);
        }
        if let Some(site) = &mut task.spawned_at {
            slots.push(&mut site.file);
        }
        for line in task.trace.iter_mut().flatten() {
            slots.push(line);
        }
    }
    slots
}

/// The sample with every task named, traced and located, so each hostile string has a slot.
fn base() -> Snapshot {
    let mut snapshot = fatal_snapshot();
    snapshot.backtrace = Some("frame\n".repeat(7));
    for task in &mut snapshot.tasks {
        task.name.get_or_insert_with(|| "unnamed".to_owned());
        task.spawned_at
            .get_or_insert_with(|| site("src/x.rs", 1, 1).unwrap());
        if task.trace.is_none() && !task.skipped {
            task.trace = trace(&["frame"]);
        }
    }
    snapshot
}

fn hostile() -> Snapshot {
    let mut snapshot = base();
    let attacks = [FORGED_LINE, ANSI, OVERWRITE, BIDI, QUOTES, C1];
    for (i, slot) in user_strings(&mut snapshot).into_iter().enumerate() {
        *slot = match attacks.get(i % (attacks.len() + 1)) {
            Some(attack) => format!("{attack}{i}"),
            None => huge(),
        };
    }
    // Within the backtrace a `\n` is a real line break: the same seven lines, without one.
    let lines = attacks.map(|attack| attack.replace('\n', " ")).join("\n");
    snapshot.backtrace = Some(format!("{lines}\n{}", huge()));
    snapshot
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The words the renderer itself starts a line with.
const OWN_WORDS: [&str; 9] = [
    "task ",
    "fatal ",
    "freeze ",
    "time:",
    "pid:",
    "workers:",
    "    spawned ",
    "    polls ",
    "    on ",
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
fn text_dump_keeps_its_shape() {
    for detail in [Detail::AllTasks, Detail::FatalTaskOnly, Detail::HeaderOnly] {
        let options = TextOptions { detail };
        let out = render::text(&hostile(), &options);
        assert_same_shape(&render::text(&base(), &options), &out);
        assert_nothing_hidden(&out);
        assert!(!out.split('\n').any(|line| line.starts_with("TASK")));
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
        *slot = format!("{FORGED_LINE}{ANSI}{OVERWRITE}{BIDI}{QUOTES}{C1}");
    }
    let out = hostile.to_string();
    assert_same_shape(&benign.to_string(), &out);
    assert_nothing_hidden(&out);
}

#[test]
fn every_task_title_is_one_line_with_its_own_closing_quote() {
    let out = render::text(&hostile(), &TextOptions::default());
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
fn the_10kb_name_is_bounded() {
    let mut snapshot = fatal_snapshot();
    snapshot.tasks[0].name = Some(huge());
    let out = render::text(&snapshot, &TextOptions::default());
    let longest = out.lines().map(|line| line.chars().count()).max().unwrap();
    assert!(longest < NAME_LIMIT + 64, "a line of {longest} chars");
    assert!(out.contains(&format!("…(+{} bytes)", 10 * 1024 - NAME_LIMIT)));
    assert!(out.len() < 10 * 1024);
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
    // ESC is kept as data, escaped the JSON way.
    assert!(text.contains("\\u001b[2J"));
}

#[test]
fn fatal_task_found_by_reason_alone() {
    let mut snapshot = fatal_snapshot();
    for task in &mut snapshot.tasks {
        task.fatal = false;
    }
    let out = render::text(
        &snapshot,
        &TextOptions {
            detail: Detail::FatalTaskOnly,
        },
    );
    assert!(out.contains("task 5 \"conn-42\" [running] (fatal error here):"));
    assert_eq!(out.matches("\ntask ").count(), 1);
    // A fatal reason naming a task absent from the snapshot is still rendered.
    if let Reason::Fatal { task, .. } = &mut snapshot.reason {
        *task = Some(TaskId(999));
    }
    let out = render::text(
        &snapshot,
        &TextOptions {
            detail: Detail::FatalTaskOnly,
        },
    );
    assert!(out.contains("in task 999\n"));
    assert!(out.contains("(no task raised the fatal error)"));
}
