//! Where results go, and the facts about a run that the report prints beside them.
//!
//! The suite writes `bench-run.json` into criterion's output directory when it starts, and the
//! memory bench writes `memory.json` there; `report` reads both next to criterion's own files.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The run file's name inside the criterion directory.
pub const RUN_FILE: &str = "bench-run.json";
/// The memory table's file name inside the criterion directory.
pub const MEMORY_FILE: &str = "memory.json";
/// The latency binary's results, inside the criterion directory.
pub const LATENCY_FILE: &str = "latency.json";

/// Criterion's output directory, found the way criterion finds it: `CRITERION_HOME`, else
/// `CARGO_TARGET_DIR/criterion`, else `criterion` in the target directory holding this binary.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The processor's model name, from `/proc/cpuinfo` where there is one.
pub fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// The facts about this run: W, cores, quick mode, the build's cfg, when it started, and the
/// arguments it was given (so a filtered run is recognisable).
pub fn run_facts(workers: usize, quick: bool) -> Value {
    json!({
        "started_unix_ms": unix_ms(),
        "workers": workers,
        "cores": crate::workers::default_workers(),
        "cpu": cpu_model(),
        "quick": quick,
        "executor_no_stats": cfg!(executor_no_stats),
        "args": std::env::args().skip(1).collect::<Vec<_>>(),
    })
}

/// Writes `value` as pretty JSON to `name` in the criterion directory; failure is reported on
/// stderr and otherwise ignored (the numbers are still on stdout).
pub fn write_json(name: &str, value: &Value) {
    let dir = criterion_dir();
    let path = dir.join(name);
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(value).unwrap_or_default(),
        )
    });
    if let Err(error) = result {
        eprintln!("benches: cannot write {}: {error}", path.display());
    }
}
