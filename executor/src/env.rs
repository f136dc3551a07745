//! Environment overrides, for debugging without a rebuild (like Go's `GODEBUG` and
//! `GOTRACEBACK`). They take precedence over the builder.
//!
//! - `EXECUTOR_DEBUG`: comma-separated `key=value` list. Keys: `nofreeze` (`1` forces
//!   `FreezePolicy::NoFreeze`, `0` forces `Freeze`).
//! - `EXECUTOR_TRACEBACK`: `none` (header only), `single` (only the task that failed),
//!   `all` (every task, the default), `crash` (all, then abort for a core file).
//! - `EXECUTOR_DUMP_PATH`: also write the fatal dump to this file (and JSON beside it).
//!
//! An unknown key or value is reported once on stderr and ignored; it is never a crash.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::config::{Config, FreezePolicy};

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
    for entry in debug.as_deref().unwrap_or("").split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
        match (key.trim(), value.trim()) {
            ("nofreeze", "1") => o.nofreeze = Some(true),
            ("nofreeze", "0") => o.nofreeze = Some(false),
            ("nofreeze", v) => warnings.push(format!(
                "ignoring EXECUTOR_DEBUG entry {entry:?}: nofreeze takes 0 or 1, not {v:?}"
            )),
            (k, _) => warnings.push(format!(
                "ignoring EXECUTOR_DEBUG entry {entry:?}: unknown key {k:?} (known: nofreeze)"
            )),
        }
    }
    if let Some(t) = traceback {
        o.traceback = match t.trim() {
            "none" => Traceback::None,
            "single" => Traceback::Single,
            "all" | "" => Traceback::All,
            "crash" => Traceback::Crash,
            other => {
                warnings.push(format!(
                    "ignoring EXECUTOR_TRACEBACK={other:?}: expected none, single, all or crash; \
                     using all"
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
    fn control_characters_in_values_are_escaped_in_warnings() {
        let (_, w) = parse(Some("x\x1b[2J=1".into()), None, None);
        assert!(!w[0].contains('\x1b'));
    }
}
