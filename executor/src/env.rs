//! Environment overrides, for debugging without a rebuild (like Go's `GODEBUG` and
//! `GOTRACEBACK`). They take precedence over the builder.
//!
//! - `EXECUTOR_DEBUG`: comma-separated `key=value` list. Keys: `nofreeze` (`1` forces
//!   `FreezePolicy::NoFreeze`, `0` forces `Freeze`), `traces` (`0` turns the trace polls of
//!   fatal dumps off, `1` on), `stall` and `stall_fatal` (durations such as `200ms` or `2s`:
//!   the stall watchdog's thresholds, see `Builder::stall_warning`), `stall_stacks` (`0`:
//!   stall warnings without the native stack, see `Builder::stall_stacks`).
//! - `EXECUTOR_TRACEBACK`: `none` (header only), `single` (only the task that failed),
//!   `all` (every task, the default), `crash` (all, then abort for a core file).
//! - `EXECUTOR_DUMP_PATH`: also write the fatal dump to this file (and JSON beside it).
//!
//! An unknown key or value is reported once on stderr and ignored; it is never a crash.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The duration grammar of `#[executor::main(freeze_timeout = "100ms")]`, the same file.
#[path = "../macros/src/duration.rs"]
#[allow(dead_code)]
mod duration;

use crate::config::{Config, FreezePolicy};
use introspect::quote;

/// At most this many warnings about `EXECUTOR_DEBUG` entries are printed, then one line with
/// the count of the rest: a variable with 20,000 bad entries must not print 20,000 lines.
const MAX_WARNINGS: usize = 8;
/// A warning shows at most this many chars of an entry (escaped), then how much was cut.
const ENTRY_LIMIT: usize = 64;
/// The keys of `EXECUTOR_DEBUG`, as the warning lists them.
const KNOWN_KEYS: &str = "nofreeze, traces, stall, stall_fatal, stall_stacks";

/// How much a fatal dump shows (`EXECUTOR_TRACEBACK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Traceback {
    /// The header and the summary.
    None,
    /// Only the task that hit the fatal error.
    Single,
    /// Every task.
    #[default]
    All,
    /// Every task, then abort (a core file, where the system keeps them).
    Crash,
}

/// What the environment asked for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub(crate) nofreeze: Option<bool>,
    pub(crate) traces: Option<bool>,
    pub(crate) stall: Option<Duration>,
    pub(crate) stall_fatal: Option<Duration>,
    pub(crate) stall_stacks: Option<bool>,
    pub(crate) traceback: Traceback,
    pub(crate) dump_path: Option<PathBuf>,
}

/// The environment's overrides, read and reported once per process.
pub(crate) fn overrides() -> &'static Overrides {
    static OVERRIDES: OnceLock<Overrides> = OnceLock::new();
    OVERRIDES.get_or_init(|| {
        let (o, warnings) = parse(
            std::env::var_os("EXECUTOR_DEBUG").map(|v| v.to_string_lossy().into_owned()),
            std::env::var_os("EXECUTOR_TRACEBACK").map(|v| v.to_string_lossy().into_owned()),
            std::env::var_os("EXECUTOR_DUMP_PATH").map(PathBuf::from),
        );
        for w in warnings {
            eprintln!("executor: {w}");
        }
        o
    })
}

/// Applies the overrides to a builder's configuration.
pub(crate) fn apply_overrides(config: &mut Config) {
    let o = overrides();
    if let Some(nofreeze) = o.nofreeze {
        config.freeze_policy = if nofreeze {
            FreezePolicy::NoFreeze
        } else {
            FreezePolicy::Freeze
        };
    }
    if let Some(traces) = o.traces {
        config.await_traces = traces;
    }
    if let Some(stall) = o.stall {
        config.stall_warning = Some(stall);
    }
    if let Some(stall) = o.stall_fatal {
        config.stall_fatal = Some(stall);
    }
    if let Some(stacks) = o.stall_stacks {
        config.stall_stacks = stacks;
    }
    if let Some(path) = &o.dump_path {
        config.dump_path = Some(path.clone());
    }
}

/// Parses the three variables; returns the overrides and one warning per ignored entry.
pub(crate) fn parse(
    debug: Option<String>,
    traceback: Option<String>,
    dump_path: Option<PathBuf>,
) -> (Overrides, Vec<String>) {
    let mut o = Overrides::default();
    let mut warnings = Vec::new();
    let mut ignored = 0usize;
    let mut warn = |warnings: &mut Vec<String>, text: String| {
        if warnings.len() < MAX_WARNINGS {
            warnings.push(text);
        } else {
            ignored += 1;
        }
    };
    for entry in debug.as_deref().unwrap_or("").split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
        let shown = quote(entry, ENTRY_LIMIT);
        match (key.trim(), value.trim()) {
            ("nofreeze", "1") => o.nofreeze = Some(true),
            ("nofreeze", "0") => o.nofreeze = Some(false),
            ("traces", "1") => o.traces = Some(true),
            ("traces", "0") => o.traces = Some(false),
            ("stall_stacks", "1") => o.stall_stacks = Some(true),
            ("stall_stacks", "0") => o.stall_stacks = Some(false),
            (key @ ("traces" | "stall_stacks"), v) => warn(
                &mut warnings,
                format!(
                    "ignoring EXECUTOR_DEBUG entry {shown}: {key} takes 0 or 1, not {}",
                    quote(v, ENTRY_LIMIT)
                ),
            ),
            (key @ ("stall" | "stall_fatal"), v) => match duration::parse(v) {
                Ok(d) if !d.is_zero() => {
                    if key == "stall" {
                        o.stall = Some(d);
                    } else {
                        o.stall_fatal = Some(d);
                    }
                }
                Ok(_) => warn(
                    &mut warnings,
                    format!("ignoring EXECUTOR_DEBUG entry {shown}: {key} must be more than 0"),
                ),
                Err(e) => warn(
                    &mut warnings,
                    format!(
                        "ignoring EXECUTOR_DEBUG entry {shown}: {e}; {key} takes {}, such as 200ms",
                        duration::GRAMMAR
                    ),
                ),
            },
            ("nofreeze", v) => warn(
                &mut warnings,
                format!(
                    "ignoring EXECUTOR_DEBUG entry {shown}: nofreeze takes 0 or 1, not {}",
                    quote(v, ENTRY_LIMIT)
                ),
            ),
            (k, _) => warn(
                &mut warnings,
                format!(
                    "ignoring EXECUTOR_DEBUG entry {shown}: unknown key {} (known: {KNOWN_KEYS})",
                    quote(k, ENTRY_LIMIT)
                ),
            ),
        }
    }
    if ignored > 0 {
        warnings.push(format!(
            "ignoring {ignored} more bad EXECUTOR_DEBUG entries (not listed)"
        ));
    }
    if let Some(t) = traceback {
        o.traceback = match t.trim() {
            "none" => Traceback::None,
            "single" => Traceback::Single,
            "all" | "" => Traceback::All,
            "crash" => Traceback::Crash,
            other => {
                warnings.push(format!(
                    "ignoring EXECUTOR_TRACEBACK={}: expected none, single, all or crash; \
                     using all",
                    quote(other, ENTRY_LIMIT)
                ));
                Traceback::All
            }
        };
    }
    o.dump_path = dump_path.filter(|p| !p.as_os_str().is_empty());
    (o, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_keys() {
        let (o, w) = parse(Some("nofreeze=1".into()), Some("single".into()), None);
        assert_eq!(o.nofreeze, Some(true));
        assert_eq!(o.traceback, Traceback::Single);
        assert!(w.is_empty());
    }

    #[test]
    fn stall_stacks_takes_0_or_1() {
        let (o, w) = parse(Some("stall_stacks=0".into()), None, None);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(o.stall_stacks, Some(false));
        let (o, w) = parse(Some("stall_stacks=yes".into()), None, None);
        assert_eq!(o.stall_stacks, None);
        assert!(
            w.iter().any(|l| l.contains("stall_stacks takes 0 or 1")),
            "{w:?}"
        );
    }

    #[test]
    fn stall_thresholds_parse_as_durations() {
        let (o, w) = parse(Some("stall=200ms,stall_fatal=1.5s".into()), None, None);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(o.stall, Some(Duration::from_millis(200)));
        assert_eq!(o.stall_fatal, Some(Duration::from_millis(1500)));
        let (o, w) = parse(Some("stall=200,stall=0s,stall=5 ms".into()), None, None);
        assert_eq!(o.stall, None);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("missing unit"), "{}", w[0]);
        assert!(w[1].contains("more than 0"), "{}", w[1]);
    }

    #[test]
    fn bad_values_warn_and_fall_back() {
        let (o, w) = parse(
            Some("nofreeze=yes, bogus=2,,".into()),
            Some("everything".into()),
            None,
        );
        assert_eq!(o, Overrides::default());
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("nofreeze takes 0 or 1"));
        assert!(w[1].contains("unknown key \"bogus\""));
        assert!(w[2].contains("using all"));
    }

    #[test]
    fn warnings_are_bounded_in_size_and_number() {
        let n = if cfg!(miri) { 50 } else { 20_000 };
        let huge_key = "k".repeat(n);
        let (_, w) = parse(Some(format!("{huge_key}=1")), None, None);
        assert_eq!(w.len(), 1);
        assert!(w[0].len() < 300, "{} bytes", w[0].len());
        let many = vec!["bad=1"; n].join(",");
        let (_, w) = parse(Some(many), None, None);
        assert_eq!(w.len(), MAX_WARNINGS + 1, "{w:?}");
        assert!(w[MAX_WARNINGS].contains(&format!("{} more", n - MAX_WARNINGS)));
    }

    #[test]
    fn control_characters_in_values_are_escaped_in_warnings() {
        let (_, w) = parse(Some("x\x1b[2J=1".into()), None, None);
        assert!(!w[0].contains('\x1b'));
    }
}
