//! The text and the JSON of one snapshot never contradict each other: task by task, the id,
//! state, name, polls and worker read the same in the table, in the blocks and in the JSON,
//! and the summary line says what the JSON totals say.

mod common;

use common::{fatal_snapshot, live_snapshot};
use introspect::render::{self, Detail, TextOptions};
use introspect::{Poller, Snapshot, TaskState};
use serde_json::Value;
use std::collections::BTreeMap;

const FLAT: TextOptions = TextOptions {
    detail: Detail::AllTasks,
    group: false,
};

/// What both dumps say about one task.
#[derive(Debug, PartialEq)]
struct Seen {
    state: String,
    name: String,
    polls: String,
    worker: String,
}

/// The label the text uses, from the JSON fields.
fn from_json(task: &Value) -> Seen {
    let word = task["state"].as_str().unwrap();
    let state = if task["skipped"] == true {
        format!("{word}, skipped")
    } else {
        word.to_owned()
    };
    let state_word = word;
    let in_poll = matches!(state_word, "running" | "panicked");
    let worker = match (&task["worker"], &task["block_on_thread"]) {
        (Value::Number(n), _) => n.to_string(),
        (_, Value::Bool(true)) => "block_on".to_owned(),
        // In a poll, but the runtime did not say where: the text writes `?`.
        _ if in_poll => "?".to_owned(),
        _ => "-".to_owned(),
    };
    Seen {
        state,
        name: task["name"]
            .as_str()
            .map_or_else(|| "-".to_owned(), |name| format!("{name:?}")),
        polls: task["polls"].to_string(),
        worker,
    }
}

/// Table rows by id, cut at the header's column positions (chars, not bytes: `µs`).
fn from_table(text: &str) -> BTreeMap<u64, Seen> {
    let mut lines = text
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("ID "));
    let header: Vec<char> = lines.next().unwrap().chars().collect();
    let find = |title: &str| {
        let title: Vec<char> = title.chars().collect();
        header
            .windows(title.len())
            .position(|w| w == title.as_slice())
            .unwrap()
    };
    let (id_end, state, name, worker) =
        (find("ID") + 2, find("STATE"), find("NAME"), find("WORKER"));
    let polls_end = find("POLLS") + 5;
    let cell = |row: &[char], from: usize, to: usize| -> String {
        row[from..to.min(row.len())]
            .iter()
            .collect::<String>()
            .trim()
            .to_owned()
    };
    lines
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let row: Vec<char> = line.chars().collect();
            let id = cell(&row, 0, id_end).parse().unwrap();
            let seen = Seen {
                state: cell(&row, state, name),
                name: cell(&row, name, worker),
                worker: cell(&row, worker, polls_end)
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned(),
                polls: cell(&row, worker, polls_end)
                    .split_whitespace()
                    .last()
                    .unwrap()
                    .to_owned(),
            };
            (id, seen)
        })
        .collect()
}

/// Blocks by id: the title's state, the name, `on worker N`/`poll N` and the stats' polls.
fn from_blocks(text: &str) -> BTreeMap<u64, Seen> {
    text.split("\n\n")
        .filter(|block| block.starts_with("task "))
        .map(|block| {
            let mut lines = block.lines();
            let title = lines.next().unwrap();
            let id = title[5..].split(' ').next().unwrap().parse().unwrap();
            let name = title.split_once(" \"").map_or("-".to_owned(), |(_, rest)| {
                format!("\"{}", &rest[..rest.find("\" [").unwrap() + 1])
            });
            let bracket = &title[title.find(" [").unwrap() + 2..];
            let state = [
                "running, skipped",
                "running",
                "idle",
                "scheduled",
                "completed",
                "panicked",
            ]
            .into_iter()
            .find(|label| bracket.starts_with(label))
            .unwrap()
            .to_owned();
            let body: Vec<&str> = lines.collect();
            let worker = body
                .iter()
                .find_map(|line| line.strip_prefix("    on "))
                .map_or("-".to_owned(), |on| {
                    let place = on.split([',', ' ']).take(2).collect::<Vec<_>>().join(" ");
                    match place.as_str() {
                        "block_on thread" => "block_on".to_owned(),
                        "unknown thread" => "?".to_owned(),
                        _ => place.trim_start_matches("worker ").to_owned(),
                    }
                });
            let stats = body
                .iter()
                .find_map(|line| line.strip_prefix("    polls "))
                .unwrap();
            let polls = stats.split(',').next().unwrap().to_owned();
            if let Some(on) = body.iter().find(|line| line.starts_with("    on ")) {
                assert!(on.ends_with(&format!(", poll {polls}")), "{on}");
            }
            (
                id,
                Seen {
                    state,
                    name,
                    polls,
                    worker,
                },
            )
        })
        .collect()
}

fn assert_agree(snapshot: &Snapshot) {
    let text = render::text(snapshot, &FLAT);
    let json = render::to_json_value(snapshot);
    let from_json: BTreeMap<u64, Seen> = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| (task["id"].as_u64().unwrap(), from_json(task)))
        .collect();
    assert_eq!(from_json.len(), snapshot.tasks.len());
    assert_eq!(from_table(&text), from_json, "table vs JSON");
    assert_eq!(from_blocks(&text), from_json, "blocks vs JSON");

    // The summary line says what the totals say.
    let totals = &json["totals"];
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!("{} tasks: ", totals["tasks"])),
        "{summary}"
    );
    for key in ["idle", "scheduled", "completed", "panicked"] {
        let n = totals[key].as_u64().unwrap();
        assert_eq!(
            summary.contains(&format!(" {n} {key}")),
            n > 0,
            "{key}: {summary}"
        );
    }
    let deadlocks = json["deadlocks"].as_array().unwrap().len();
    assert_eq!(totals["deadlocks"], deadlocks);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("deadlock: ")).count(),
        deadlocks
    );

    // Each worker line names the task the JSON says it polls, in that task's state.
    for worker in json["workers"].as_array().unwrap() {
        let Some(task) = worker["task"].as_u64() else {
            continue;
        };
        let state = &from_json[&task].state;
        let word = if state == "panicked" {
            "panicked in"
        } else {
            "running"
        };
        let line = format!("    worker {} ", worker["index"]);
        let line = text.lines().find(|l| l.starts_with(&line)).unwrap();
        assert!(line.contains(&format!(": {word} task {task},")), "{line}");
    }
}

#[test]
fn fatal_snapshot_agrees() {
    assert_agree(&fatal_snapshot());
}

#[test]
fn live_snapshot_agrees() {
    assert_agree(&live_snapshot());
}

#[test]
fn inconsistent_input_is_read_the_same_way_by_both() {
    // A runtime bug: pollers and skipped flags on tasks that are not in a poll, a running
    // task without a poller. Both dumps must still read the task the same way.
    let mut snapshot = fatal_snapshot();
    for task in &mut snapshot.tasks {
        match task.state {
            TaskState::Idle | TaskState::Completed => {
                task.poller = Some(Poller::Worker(7));
                task.skipped = true;
                task.running_for = Some(std::time::Duration::from_secs(1));
            }
            TaskState::Running => task.poller = None,
            TaskState::Scheduled | TaskState::Panicked => {}
        }
    }
    assert_agree(&snapshot);
    let text = render::text(&snapshot, &FLAT);
    assert!(text.contains("\n    on unknown thread for "), "{text}");
}
