//! Turns criterion's results into the markdown table of `benches/README.md`.
//!
//! ```text
//! cargo run -p benches --bin report -- [--criterion DIR] [--no-stats DIR] [--runs DIR,DIR,..]
//!     [--all] [--write [README]]
//! ```
//!
//! With `--runs` (criterion directories of repeated runs, as `benches/measure` leaves them),
//! the table gives each runtime's median over the runs and the spread of executor's ratio to
//! the faster peer, so a claim does not rest on one lucky run.
//!
//! It reads every `<group>/<runtime>[/<variant>]/new/{benchmark,estimates}.json` under the
//! criterion directory (default: the one `cargo bench` wrote), keeps only results written by
//! the latest suite run (`bench-run.json`; `--all` keeps older ones too, marked), and prints
//! for each workload the median time per element of each runtime and the ratios
//! executor/tokio and executor/async-executor. `memory.json` adds the bytes-per-idle-task
//! table; `--no-stats DIR` adds executor with and without per-poll accounting, from a second
//! run built with `--cfg executor_no_stats`. `--write` puts the result between the markers in
//! the README instead of printing it.

use benches::meta;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

/// This runtime's function id, and the ones it is compared with, in column order.
const OURS: &str = "executor";
const OTHERS: [&str; 2] = ["tokio", "async-executor"];
/// The suite's groups, in the issue's order; unknown groups follow alphabetically.
const GROUP_ORDER: [&str; 10] = [
    "spawn_many_local",
    "spawn_many_remote",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "channels_ring",
    "spawn_one_latency",
    "snapshot",
    "trace",
    "spawn_complete",
];
/// Where the generated text goes in the README.
const START_MARKER: &str = "<!-- report:start -->";
const END_MARKER: &str = "<!-- report:end -->";

/// Command-line options.
struct Options {
    criterion: PathBuf,
    no_stats: Option<PathBuf>,
    all: bool,
    write: Option<PathBuf>,
    /// Criterion directories of repeated runs (`--runs`): the table then gives medians over
    /// them and the spread of the ratios.
    runs: Vec<PathBuf>,
}

/// One benchmark's result.
struct Result {
    group: String,
    runtime: String,
    variant: Option<String>,
    /// Median nanoseconds per element (per iteration when there is no element throughput).
    per_element_ns: f64,
    /// Written before the latest run started.
    stale: bool,
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("report: {message}");
            eprintln!(
                "usage: report [--criterion DIR] [--no-stats DIR] [--all] [--write [README]]"
            );
            return ExitCode::from(2);
        }
    };
    let text = match render(&options) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("report: {message}");
            return ExitCode::FAILURE;
        }
    };
    match &options.write {
        None => print!("{text}"),
        Some(readme) => {
            if let Err(message) = write_between_markers(readme, &text) {
                eprintln!("report: {message}");
                return ExitCode::FAILURE;
            }
            eprintln!("report: wrote {}", readme.display());
        }
    }
    ExitCode::SUCCESS
}

fn parse_args() -> std::result::Result<Options, String> {
    let mut options = Options {
        criterion: meta::criterion_dir(),
        no_stats: None,
        all: false,
        write: None,
        runs: Vec::new(),
    };
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--criterion" => {
                options.criterion = args.next().ok_or("--criterion needs a directory")?.into();
            }
            "--no-stats" => {
                options.no_stats = Some(args.next().ok_or("--no-stats needs a directory")?.into());
            }
            "--all" => options.all = true,
            "--runs" => {
                let list = args
                    .next()
                    .ok_or("--runs needs a comma-separated list of directories")?;
                options.runs = list.split(',').map(PathBuf::from).collect();
            }
            "--write" => {
                let readme = match args.peek() {
                    Some(next) if !next.starts_with("--") => args.next().map(PathBuf::from),
                    _ => None,
                };
                options.write =
                    Some(readme.unwrap_or_else(|| {
                        Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")
                    }));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// The whole generated block: facts, the time table, and the tables that have data.
fn render(options: &Options) -> std::result::Result<String, String> {
    // The facts of the run: the first of the repeated runs, or the single one.
    let facts_dir = options.runs.first().unwrap_or(&options.criterion);
    let run = read_json(&facts_dir.join(meta::RUN_FILE)).ok();
    let started = run
        .as_ref()
        .and_then(|r| r["started_unix_ms"].as_u64())
        .unwrap_or(0);
    let results = collect(facts_dir, started)?;
    let stale = results.iter().filter(|r| r.stale).count();
    let results: Vec<Result> = results
        .into_iter()
        .filter(|r| options.all || !r.stale)
        .collect();
    if results.is_empty() {
        return Err(format!(
            "no results from the latest run under {} (run `cargo bench -p benches` first)",
            options.criterion.display()
        ));
    }

    let mut out = String::new();
    match &run {
        Some(run) => {
            let cpu = run["cpu"].as_str().unwrap_or("unknown processor");
            let _ = writeln!(
                out,
                "Measured {} on {cpu}, {} cores; W = {} workers{}{}.",
                utc(started),
                run["cores"],
                run["workers"],
                if run["quick"].as_bool() == Some(true) {
                    "; quick mode"
                } else {
                    ""
                },
                if run["executor_no_stats"].as_bool() == Some(true) {
                    "; built with `--cfg executor_no_stats`"
                } else {
                    ""
                },
            );
            let args: Vec<&str> = run["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let filters: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| !a.starts_with('-'))
                .collect();
            if !filters.is_empty() {
                let _ = writeln!(out, "\nThat run was filtered ({}).", filters.join(" "));
            }
            if options.runs.is_empty() {
                let _ = writeln!(
                    out,
                    "\nReproduce: `{}`, then `cargo run -p benches --bin report -- --write`.",
                    command(run)
                );
            } else {
                let _ = writeln!(
                    out,
                    "\nReproduce: `benches/measure {}` ({} runs of `{}`, then the latency \
                     binary and this report).",
                    options.runs.len(),
                    options.runs.len(),
                    command(run)
                );
            }
        }
        None => out.push_str("No `bench-run.json`: the run's facts are unknown.\n"),
    }
    if stale > 0 {
        let _ = writeln!(
            out,
            "\n{stale} result(s) older than that run {}.",
            if options.all {
                "are marked with *"
            } else {
                "were left out (`--all` keeps them)"
            }
        );
    }

    if options.runs.is_empty() {
        out.push_str("\nMedian time per element (task, yield, pair or message); a ratio below 1 means executor is faster.\n\n");
        out.push_str(&time_table(&results));
    } else {
        let mut runs = Vec::new();
        for dir in &options.runs {
            let started = read_json(&dir.join(meta::RUN_FILE))
                .ok()
                .and_then(|r| r["started_unix_ms"].as_u64())
                .unwrap_or(0);
            let fresh: Vec<Result> = collect(dir, started)?
                .into_iter()
                .filter(|r| options.all || !r.stale)
                .collect();
            runs.push(fresh);
        }
        let _ = writeln!(
            out,
            "\nOver {} runs: the median of each runtime's median time per element (task, yield, pair \
             or message), and the ratio of executor to the faster peer: its median over the runs, \
             and in brackets the lowest and highest run. Below 1 means executor is faster.\n",
            runs.len()
        );
        out.push_str(&runs_table(&runs));
    }

    // Memory and latencies: from the last of the repeated runs, or the criterion directory.
    let extras_dir = options.runs.last().unwrap_or(&options.criterion);
    if let Ok(latency) = read_json(&extras_dir.join(meta::LATENCY_FILE)) {
        out.push('\n');
        out.push_str(&latency_table(&latency));
    }
    if let Ok(memory) = read_json(&extras_dir.join(meta::MEMORY_FILE)) {
        out.push('\n');
        out.push_str(&memory_table(&memory));
    }
    if let Some(dir) = &options.no_stats {
        out.push('\n');
        out.push_str(&no_stats_table(&results, dir, options.all)?);
    }
    Ok(out)
}

/// The command line that repeats the run described by `run`.
fn command(run: &Value) -> String {
    let mut command = String::new();
    if run["executor_no_stats"].as_bool() == Some(true) {
        command.push_str("RUSTFLAGS=\"--cfg executor_no_stats\" ");
    }
    if run["quick"].as_bool() == Some(true) {
        command.push_str("BENCH_QUICK=1 ");
    }
    let _ = write!(
        command,
        "BENCH_WORKERS={} cargo bench -p benches",
        run["workers"]
    );
    let args: Vec<String> = run["args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|arg| *arg != "--bench")
        .map(|arg| {
            if arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/.=".contains(c))
            {
                arg.to_owned()
            } else {
                format!("'{arg}'")
            }
        })
        .collect();
    if !args.is_empty() {
        let _ = write!(command, " -- {}", args.join(" "));
    }
    command
}

/// Reads every result under `dir`.
fn collect(dir: &Path, started_ms: u64) -> std::result::Result<Vec<Result>, String> {
    let mut found = Vec::new();
    walk(dir, &mut found).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut results = Vec::new();
    for new_dir in found {
        let benchmark = read_json(&new_dir.join("benchmark.json"))?;
        let estimates_path = new_dir.join("estimates.json");
        let estimates = read_json(&estimates_path)?;
        let Some(median) = estimates["median"]["point_estimate"].as_f64() else {
            continue;
        };
        let elements = benchmark["throughput"]["Elements"]
            .as_f64()
            .unwrap_or(1.0)
            .max(1.0);
        let modified_ms = std::fs::metadata(&estimates_path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as u64);
        results.push(Result {
            group: benchmark["group_id"].as_str().unwrap_or("?").to_owned(),
            runtime: benchmark["function_id"].as_str().unwrap_or("?").to_owned(),
            variant: benchmark["value_str"].as_str().map(str::to_owned),
            per_element_ns: median / elements,
            stale: modified_ms < started_ms,
        });
    }
    Ok(results)
}

/// Every `new` directory holding a `benchmark.json`, below `dir`.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").is_file() {
            found.push(path);
        } else {
            walk(&path, found)?;
        }
    }
    Ok(())
}

/// Rows keyed by (group rank, group, variant rank, variant), columns by runtime.
type Rows<'a> =
    BTreeMap<(usize, &'a str, (u64, u64, String), &'a str), BTreeMap<&'a str, &'a Result>>;

fn rows(results: &[Result]) -> Rows<'_> {
    let mut rows: Rows<'_> = BTreeMap::new();
    for result in results {
        let group_rank = GROUP_ORDER
            .iter()
            .position(|g| *g == result.group)
            .unwrap_or(usize::MAX);
        let variant = result.variant.as_deref().unwrap_or("");
        rows.entry((
            group_rank,
            result.group.as_str(),
            variant_rank(variant),
            variant,
        ))
        .or_default()
        .insert(result.runtime.as_str(), result);
    }
    rows
}

/// Sorts variants: `idle` before `busy`, then by leading number (`2_threads`, `10000`), then
/// the rest by name.
fn variant_rank(variant: &str) -> (u64, u64, String) {
    let digits: String = variant.chars().take_while(char::is_ascii_digit).collect();
    let rank = match (variant, digits.parse::<u64>()) {
        ("idle", _) => (0, 0),
        ("busy", _) => (0, 1),
        (_, Ok(number)) => (1, number),
        (_, Err(_)) => (2, 0),
    };
    (rank.0, rank.1, variant.to_owned())
}

fn time_table(results: &[Result]) -> String {
    let mut out = format!(
        "| workload | {OURS} | {} | {} | {OURS}/{} | {OURS}/{} |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
        OTHERS[0], OTHERS[1], OTHERS[0], OTHERS[1]
    );
    for ((_, group, _, variant), columns) in rows(results) {
        let name = if variant.is_empty() {
            group.to_owned()
        } else {
            format!("{group} ({variant})")
        };
        let cell = |runtime: &str| {
            columns.get(runtime).map_or("–".to_owned(), |r| {
                format!(
                    "{}{}",
                    duration(r.per_element_ns),
                    if r.stale { "*" } else { "" }
                )
            })
        };
        let ratio = |other: &str| match (columns.get(OURS), columns.get(other)) {
            (Some(ours), Some(theirs)) => {
                format!("{:.2}", ours.per_element_ns / theirs.per_element_ns)
            }
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} |",
            cell(OURS),
            cell(OTHERS[0]),
            cell(OTHERS[1]),
            ratio(OTHERS[0]),
            ratio(OTHERS[1]),
        );
    }
    out
}

/// (group rank, group, variant rank, variant) -> runtime -> one time per run.
type RunsTable =
    BTreeMap<(usize, String, (u64, u64, String), String), BTreeMap<String, Vec<Option<f64>>>>;

/// The table of repeated runs: per workload, each runtime's median over the runs, and the
/// spread of executor's ratio to the faster peer (any runtime in the row but executor).
fn runs_table(runs: &[Vec<Result>]) -> String {
    // (group rank, group, variant rank, variant) -> runtime -> one time per run.
    let mut table: RunsTable = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        for ((rank, group, vrank, variant), columns) in rows(run) {
            let row = table
                .entry((rank, group.to_owned(), vrank, variant.to_owned()))
                .or_default();
            for (runtime, result) in columns {
                row.entry(runtime.to_owned())
                    .or_insert_with(|| vec![None; runs.len()])[i] = Some(result.per_element_ns);
            }
        }
    }
    let mut out = String::from(
        "| workload | executor | tokio | third peer | executor ÷ faster peer |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for ((_, group, _, variant), columns) in &table {
        let name = if variant.is_empty() {
            group.clone()
        } else {
            format!("{group} ({variant})")
        };
        let med = |runtime: &str| {
            columns
                .get(runtime)
                .and_then(|v| median(v.iter().flatten().copied()))
        };
        let cell = |runtime: &str| med(runtime).map_or("–".to_owned(), duration);
        let third = columns
            .keys()
            .find(|k| k.as_str() != OURS && k.as_str() != "tokio")
            .cloned();
        let third_cell = third
            .as_deref()
            .map_or("–".to_owned(), |t| format!("{} ({t})", cell(t)));
        // One ratio per run that has executor and at least one peer.
        let ratios: Vec<f64> = (0..runs.len())
            .filter_map(|i| {
                let ours = columns.get(OURS)?.get(i).copied().flatten()?;
                let faster = columns
                    .iter()
                    .filter(|(k, _)| k.as_str() != OURS)
                    .filter_map(|(_, v)| v.get(i).copied().flatten())
                    .fold(f64::INFINITY, f64::min);
                faster.is_finite().then(|| ours / faster)
            })
            .collect();
        let ratio = match median(ratios.iter().copied()) {
            Some(m) => {
                let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("{m:.2} ({lo:.2}–{hi:.2}, {} runs)", ratios.len())
            }
            None => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {third_cell} | {ratio} |",
            cell(OURS),
            cell("tokio"),
        );
    }
    out
}

/// The median of `values` (the lower middle one for an even count).
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[(v.len() - 1) / 2])
}

/// The fatal path's latencies and spawns under snapshots (`latency` binary).
fn latency_table(latency: &Value) -> String {
    let ns = |v: &Value| duration(v.as_f64().unwrap_or(f64::NAN));
    let spread = |v: &Value| {
        format!(
            "{} ({}–{}, {} runs)",
            ns(&v["median_ns"]),
            ns(&v["min_ns"]),
            ns(&v["max_ns"]),
            v["runs"]
        )
    };
    let mut out = format!(
        "Latencies (`cargo run --release -p benches --bin latency`, W = {}, measured {}):\n\n\
         | what | median (min–max) |\n| --- | ---: |\n",
        latency["workers"],
        utc(latency["measured_unix_ms"].as_u64().unwrap_or(0)),
    );
    let _ = writeln!(
        out,
        "| freeze: fatal error to every busy worker stopped | {} |",
        spread(&latency["freeze"])
    );
    let _ = writeln!(
        out,
        "| SIGQUIT to exit, {} idle tasks traced | {} |",
        latency["tasks"],
        spread(&latency["sigquit_to_exit"])
    );
    out.push_str(
        "\n| spawn call from a plain thread | p50 | p99 | max |\n| --- | ---: | ---: | ---: |\n",
    );
    for (label, key) in [
        ("no snapshots".to_owned(), "spawn_quiet"),
        (
            format!("live snapshots of {} tasks back to back", latency["tasks"]),
            "spawn_under_snapshots",
        ),
    ] {
        let v = &latency[key];
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} |",
            ns(&v["p50_ns"]),
            ns(&v["p99_ns"]),
            ns(&v["max_ns"])
        );
    }
    out
}

fn memory_table(memory: &Value) -> String {
    let mut out = format!(
        "Registry cost: live bytes per idle task ({} pending tasks, W = {}, measured {}; the task's own future is {} B, executor's task record {} B), from `cargo bench -p benches --bench memory`.\n\n",
        memory["tasks"],
        memory["workers"],
        utc(memory["measured_unix_ms"].as_u64().unwrap_or(0)),
        memory["future_bytes"],
        memory["record_bytes"],
    );
    out.push_str(
        "| runtime | bytes per idle task | allocations per task |\n| --- | ---: | ---: |\n",
    );
    let rows = memory["runtimes"].as_array().cloned().unwrap_or_default();
    let bytes_of = |name: &str| {
        rows.iter()
            .find(|r| r["runtime"] == name)
            .and_then(|r| r["bytes_per_task"].as_f64())
    };
    for row in &rows {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.2} |",
            row["runtime"].as_str().unwrap_or("?"),
            row["bytes_per_task"].as_f64().unwrap_or(f64::NAN),
            row["allocations_per_task"].as_f64().unwrap_or(f64::NAN),
        );
    }
    if let Some(ours) = bytes_of(OURS) {
        let ratios: Vec<String> = OTHERS
            .iter()
            .filter_map(|other| bytes_of(other).map(|b| format!("{OURS}/{other} {:.2}", ours / b)))
            .collect();
        if !ratios.is_empty() {
            let _ = writeln!(out, "\nRatios: {}.", ratios.join(", "));
        }
    }
    out
}

/// executor's numbers beside those of a build without per-poll accounting.
fn no_stats_table(
    results: &[Result],
    dir: &Path,
    all: bool,
) -> std::result::Result<String, String> {
    let run = read_json(&dir.join(meta::RUN_FILE)).ok();
    let started = run
        .as_ref()
        .and_then(|r| r["started_unix_ms"].as_u64())
        .unwrap_or(0);
    let flagged = run.as_ref().and_then(|r| r["executor_no_stats"].as_bool()) == Some(true);
    let baseline: Vec<Result> = collect(dir, started)?
        .into_iter()
        .filter(|r| r.runtime == OURS && (all || !r.stale))
        .collect();
    let mut out = String::from(
        "Per-poll accounting: executor as built normally, and built with `--cfg executor_no_stats`.\n\n",
    );
    if !flagged {
        let _ = writeln!(
            out,
            "Warning: {} does not come from a `--cfg executor_no_stats` build.\n",
            dir.display()
        );
    }
    out.push_str("| workload | executor | executor, no stats | accounting cost |\n| --- | ---: | ---: | ---: |\n");
    for ((_, group, _, variant), columns) in rows(results) {
        let Some(result) = columns.get(OURS) else {
            continue;
        };
        let Some(other) = baseline
            .iter()
            .find(|b| b.group == result.group && b.variant == result.variant)
        else {
            continue;
        };
        let name = if variant.is_empty() {
            group.to_owned()
        } else {
            format!("{group} ({variant})")
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:+.1}% |",
            duration(result.per_element_ns),
            duration(other.per_element_ns),
            (result.per_element_ns / other.per_element_ns - 1.0) * 100.0,
        );
    }
    Ok(out)
}

fn read_json(path: &Path) -> std::result::Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// `812 ns`, `12.3 µs`, `4.56 ms`.
fn duration(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `2025-01-31 13:45 UTC` from Unix milliseconds (the dump's formatter, to the minute).
fn utc(unix_ms: u64) -> String {
    let full = introspect::render::format_utc(unix_ms);
    format!("{} UTC", &full[..16])
}

/// Replaces the text between the markers in `readme` (appending markers if there are none).
fn write_between_markers(readme: &Path, text: &str) -> std::result::Result<(), String> {
    let old = std::fs::read_to_string(readme).unwrap_or_default();
    let block = format!("{START_MARKER}\n{text}{END_MARKER}");
    let new = match (old.find(START_MARKER), old.find(END_MARKER)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &old[..start], &old[end + END_MARKER.len()..])
        }
        _ => format!("{old}\n{block}\n"),
    };
    std::fs::write(readme, new).map_err(|e| format!("cannot write {}: {e}", readme.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(duration(812.0), "812.0 ns");
        assert_eq!(duration(12_300.0), "12.30 µs");
        assert_eq!(duration(4_560_000.0), "4.56 ms");
    }

    #[test]
    fn formats_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_738_331_100_000), "2025-01-31 13:45 UTC");
    }

    #[test]
    fn orders_variants() {
        let mut variants = vec![
            "4_threads",
            "busy",
            "other",
            "idle",
            "100000",
            "10000",
            "2_threads",
        ];
        variants.sort_by_key(|v| variant_rank(v));
        let expected = [
            "idle",
            "busy",
            "2_threads",
            "4_threads",
            "10000",
            "100000",
            "other",
        ];
        assert_eq!(variants, expected);
    }
}
