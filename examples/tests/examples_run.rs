//! Runs each example as a child process (`cargo run -q -p examples --example NAME`) and
//! checks its exit status and the key lines of its output.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Generous: it covers building the example if `cargo test` has not built it already. The
/// examples themselves give up after 10 s.
const TIMEOUT: Duration = Duration::from_secs(180);

/// What a finished example printed.
struct Output {
    stdout: String,
    stderr: String,
}

/// Runs `cargo run -q -p examples --example NAME -- ARGS`, panicking on a timeout or a
/// non-zero exit status.
fn run_example(name: &str, args: &[&str]) -> Output {
    run_example_with_status(name, args, 0)
}

/// [`run_example`] for an example that ends with `code`.
fn run_example_with_status(name: &str, args: &[&str], code: i32) -> Output {
    let mut child = Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "examples", "--example", name, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cargo");

    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr")));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for cargo") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "example {name} timed out after {TIMEOUT:?}\nstdout:\n{}\nstderr:\n{}",
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    assert_eq!(
        status.code(),
        Some(code),
        "example {name} {args:?} exited with {status}\nstdout:\n{}\nstderr:\n{}",
        output.stdout,
        output.stderr
    );
    output
}

/// Asserts that some line of `text` starts with `prefix`.
#[track_caller]
fn assert_line(text: &str, prefix: &str) {
    assert!(
        text.lines().any(|l| l.starts_with(prefix)),
        "no line starting with {prefix:?} in:\n{text}"
    );
}

#[test]
fn hello_sums_ten_thousand_squares() {
    let out = run_example("hello", &[]);
    assert_line(&out.stdout, "hello: 10000 tasks on ");
    assert!(out.stdout.contains("sum of squares = 333283335000"));
    assert_line(&out.stdout, "hello: ok (closed form agrees: 333283335000)");
}

#[test]
fn echo_verifies_every_byte() {
    let out = run_example("echo", &[]);
    assert_line(&out.stdout, "echo: server listening on 127.0.0.1:");
    assert_line(
        &out.stdout,
        "echo: ok: 20 connections served, 160 messages, ",
    );
    assert!(
        !out.stderr.contains("echo: FAILED"),
        "stderr:\n{}",
        out.stderr
    );
}

/// The live text dump lists every named task and the program shuts down cleanly.
#[test]
fn live_snapshot_dumps_named_tasks() {
    let out = run_example("live_snapshot", &[]);
    let text = &out.stdout;
    assert!(text.starts_with("live snapshot\n"), "stdout:\n{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("ID  STATE")),
        "no table in:\n{text}"
    );
    for name in ["\"accept-loop\"", "\"ticker\""] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    // Idle tasks get one block each, Go style; tasks alike are grouped, with a count.
    assert_line(text, "task 2 \"accept-loop\" [idle, ");
    // Await traces: each idle task says where it waits.
    let accept = text
        .split("\n\n")
        .find(|b| b.starts_with("task 2 \"accept-loop\""))
        .unwrap();
    assert!(
        accept.contains("    at examples/examples/live_snapshot.rs:")
            && accept.contains("    waiting in async_net::tcp::TcpListener::accept"),
        "{accept}"
    );
    assert_line(text, "4 tasks \"pool-worker-#\" [idle, ");
    assert_line(text, "3 tasks \"conn-#.#.#.#:#\" [idle, ");
    assert_line(text, "10 tasks: ");
    assert_line(text, "live_snapshot: joined accept-loop, ticker (");
    assert_line(text, "live_snapshot: shut down cleanly");
    assert!(
        !text.lines().any(|l| l == "{"),
        "no JSON without --json:\n{text}"
    );
}

/// Checks the tasks of a JSON snapshot of the live_snapshot example.
fn check_json(json: &str) {
    let value: serde_json::Value = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("invalid JSON snapshot ({e}):\n{json}"));
    assert_eq!(value["schema_version"], 2);
    assert_eq!(value["reason"]["kind"], "live");
    let tasks = value["tasks"].as_array().expect("tasks array");
    let names: Vec<&str> = tasks.iter().filter_map(|t| t["name"].as_str()).collect();
    let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    assert_eq!(count("accept-loop"), 1, "{names:?}");
    assert_eq!(count("ticker"), 1, "{names:?}");
    assert_eq!(count("conn-127.0.0.1:"), 3, "{names:?}");
    assert_eq!(count("pool-worker-"), 4, "{names:?}");
}

#[test]
fn live_snapshot_json_to_stdout() {
    let out = run_example("live_snapshot", &["--json"]);
    // The pretty-printed JSON document runs from a line `{` to the next line `}`.
    let lines: Vec<&str> = out.stdout.lines().collect();
    let start = lines.iter().position(|l| *l == "{").expect("JSON start");
    let end = start
        + lines[start..]
            .iter()
            .position(|l| *l == "}")
            .expect("JSON end");
    check_json(&lines[start..=end].join("\n"));
    assert_line(&out.stdout, "live_snapshot: shut down cleanly");
}

#[test]
fn live_snapshot_json_to_file() {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "examples-live-snapshot-{}.json",
        std::process::id()
    ));
    let arg = format!("--json={}", path.display());
    let out = run_example("live_snapshot", &[&arg]);
    assert_line(&out.stdout, "live_snapshot: JSON snapshot written to ");
    let json = std::fs::read_to_string(&path).expect("read JSON snapshot");
    let _ = std::fs::remove_file(&path);
    check_json(&json);
}

/// The block of the task (or group) whose title line contains `title`.
fn block<'a>(dump: &'a str, title: &str) -> &'a str {
    dump.split("\n\n")
        .find(|b| {
            b.lines().next().is_some_and(|l| {
                (l.starts_with("task ") || l.contains(" tasks ")) && l.contains(title)
            })
        })
        .unwrap_or_else(|| panic!("no block {title:?} in\n{dump}"))
}

/// The line of the example's source that is exactly `text`.
fn source_line(text: &str) -> usize {
    include_str!("../examples/fatal_dump.rs")
        .lines()
        .position(|l| l == text)
        .expect("the line is in fatal_dump.rs")
        + 1
}

/// The headline: each planted bug is plain from the dump, under both policies.
fn headline(args: &[&str]) {
    let out = run_example_with_status("fatal_dump", args, 2);
    let dump = &out.stderr;
    assert!(
        dump.starts_with("fatal error: transfers stalled: 0 of 2 completed after 300ms\n"),
        "{dump}"
    );
    // The deadlock, first, with both transfers and both mutexes.
    let deadlock = dump
        .lines()
        .find(|l| l.starts_with("deadlock: "))
        .unwrap_or_else(|| panic!("no deadlock line in\n{dump}"));
    assert_eq!(
        deadlock.matches("waits for mutex #").count(),
        2,
        "{deadlock}"
    );
    // Each transfer is stuck at its second lock, holding the first.
    let second_lock = source_line("    let mut to = to.lock().await;");
    for name in ["transfer-alice-to-bob", "transfer-bob-to-alice"] {
        let b = block(dump, name);
        assert!(
            b.contains(&format!("fatal_dump.rs:{second_lock}:"))
                && b.contains(" in fatal_dump::transfer"),
            "{b}"
        );
        assert!(b.contains("    holds mutex #"), "{b}");
    }
    // The hog's native stack reaches the compression loop.
    let hog = block(dump, "\"report-generator\"");
    let lines = [
        source_line("        while round < 1_000_000 {"),
        source_line("            state ^= state << 13;"),
        source_line("            state ^= state >> 7;"),
        source_line("            state ^= state << 17;"),
        source_line("            round += 1;"),
        source_line("    while start.elapsed() < Duration::from_secs(30) {"),
    ];
    assert!(
        lines
            .iter()
            .any(|l| hog.contains(&format!("fatal_dump.rs:{l}:"))),
        "{hog}"
    );
    assert!(hog.contains(" in fatal_dump::compress_in_place"), "{hog}");
    // Its poll in progress is its longest.
    assert!(hog.contains(" (this poll), wakes "), "{hog}");
    // The freeze note accounts for the hog's worker, under either policy.
    let note = dump
        .lines()
        .find(|l| l.starts_with("note: freeze: ") || l.starts_with("note: no_freeze: "))
        .unwrap_or_else(|| panic!("no freeze note in\n{dump}"));
    if args.is_empty() {
        assert!(
            note.contains("; 1 still in a poll when the freeze wait gave up, "),
            "{note}"
        );
    }
    // Starved behind it: scheduled, and counted in the queue of the hog's worker (its LIFO
    // slot, where a task spawned in a poll goes).
    assert!(
        block(dump, "\"send-report\"").contains("[scheduled, "),
        "{dump}"
    );
    let hog_id = hog
        .strip_prefix("task ")
        .and_then(|rest| rest.split(' ').next())
        .expect("the hog's block starts with its id");
    assert!(
        dump.lines().any(|l| l.starts_with("    worker ")
            && l.contains(&format!(": running task {hog_id}, "))
            && l.ends_with(", 1 queued")),
        "{dump}"
    );
    // The healthy part, grouped.
    assert!(
        block(dump, "3 tasks \"handler-#\"").contains("waiting in "),
        "{dump}"
    );
}

#[test]
fn the_headline_dump_shows_each_bug_under_freeze() {
    headline(&[]);
}

#[test]
fn the_headline_dump_shows_each_bug_under_no_freeze() {
    headline(&["--no-freeze"]);
}
