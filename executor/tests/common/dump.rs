//! Reading a dump in the parent, and marking lines in the child, for the tests that check a
//! dump names exact source lines.

use std::io::Write;
use std::time::Duration;

use super::child::{self, Finished};

/// In the child: prints `MARK name=line` for the parent, flushed before any dump.
pub fn mark(name: &str, line: u32) {
    println!("MARK {name}={line}");
    std::io::stdout().flush().unwrap();
}

/// In the parent: the line the child marked for `name` (libtest may print its own text before
/// the first mark on the same line).
pub fn marked(stdout: &str, name: &str) -> u32 {
    let prefix = format!("MARK {name}=");
    stdout
        .lines()
        .find_map(|l| l.find(&prefix).map(|at| &l[at + prefix.len()..]))
        .unwrap_or_else(|| panic!("no mark {name} in {stdout}"))
        .parse()
        .unwrap()
}

/// The block of the task (`task 7 "name" [...]`) or group (`3 tasks "conn-#" [...]`) whose
/// title contains `title`.
pub fn block<'a>(dump: &'a str, title: &str) -> &'a str {
    dump.split("\n\n")
        .find(|b| {
            b.lines().next().is_some_and(|l| {
                (l.starts_with("task ") || l.contains(" tasks ")) && l.contains(title)
            })
        })
        .unwrap_or_else(|| panic!("no block {title:?} in\n{dump}"))
}

/// The 1-based line of `source` that is exactly `text`.
pub fn line_of(source: &str, text: &str) -> u32 {
    let index = source
        .lines()
        .position(|l| l == text)
        .unwrap_or_else(|| panic!("no line {text:?} in the source"));
    index as u32 + 1
}

/// Runs `cmd` (a scenario child), waits for it to print "ready", sends it SIGQUIT and waits
/// for its dump: the "ready" line (the rest of it may carry data), and the finished child,
/// which must have exited with status 2.
pub fn sigquit(mut cmd: std::process::Command) -> (String, Finished) {
    let mut child = cmd.spawn().unwrap();
    let ready = child::wait_for_stdout(&mut child, "ready", Duration::from_secs(60))
        .expect("the child never got ready");
    let status = std::process::Command::new("kill")
        .args(["-QUIT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let run = child::wait(child, Duration::from_secs(60));
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    (ready, run)
}
