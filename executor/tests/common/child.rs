//! Running a scenario of the current test binary as a child process, Go-runtime style.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that makes `scenario_runner` run a scenario.
pub const SCENARIO_VAR: &str = "EXECUTOR_TEST_SCENARIO";

/// What a finished child printed and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Finished {
    /// The exit code, `None` when killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The signal that ended the child, if any.
    pub fn signal(&self) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        self.status.signal()
    }

    /// How many lines of stderr contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.stderr.lines().filter(|l| l.contains(needle)).count()
    }
}

/// A command that runs `scenario` in a fresh copy of this test binary.
pub fn command(scenario: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary path"));
    cmd.args([
        "--exact",
        "scenario_runner",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(SCENARIO_VAR, scenario)
    // The child's own environment must not inherit overrides from the developer's shell.
    .env_remove("EXECUTOR_DEBUG")
    .env_remove("EXECUTOR_TRACEBACK")
    .env_remove("EXECUTOR_DUMP_PATH")
    .env("RUST_BACKTRACE", "0")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Runs `scenario` with extra environment, waits at most `limit`, and collects its output.
pub fn run(scenario: &str, env: &[(&str, &str)]) -> Finished {
    let mut cmd = command(scenario);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn child");
    wait(child, Duration::from_secs(60))
}

/// Waits for `child`, killing it (and failing the test) after `limit`.
pub fn wait(mut child: Child, limit: Duration) -> Finished {
    let start = Instant::now();
    // Stdout may already be taken by `wait_for_stdout`.
    let out = child.stdout.take();
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut out) = out {
            let _ = out.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err_reader.join().unwrap_or_default();
            panic!("child did not exit within {limit:?}; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Finished {
        status,
        elapsed: start.elapsed(),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// Reads the child's stdout until a line contains `marker` (libtest may print its own text
/// before it on the same line), returning the text from `marker` on. Gives up, killing the
/// child, after `limit`; the rest of stdout is drained in the background.
pub fn wait_for_stdout(child: &mut Child, marker: &str, limit: Duration) -> Option<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let marker = marker.to_owned();
    std::thread::spawn(move || {
        let mut found = false;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !found {
                if let Some(at) = line.find(&marker) {
                    found = true;
                    let _ = tx.send(line[at..].to_owned());
                }
            }
        }
    });
    match rx.recv_timeout(limit) {
        Ok(line) => Some(line),
        Err(_) => {
            let _ = child.kill();
            None
        }
    }
}
