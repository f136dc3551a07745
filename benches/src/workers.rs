//! Settings read from the environment: the worker count W and quick mode.
//!
//! A bad value never aborts a run: it is reported once on stderr and the default is used.

use std::sync::OnceLock;

/// The variable that overrides W, the worker count every runtime gets.
pub const WORKERS_ENV: &str = "BENCH_WORKERS";

/// The variable that turns on quick mode (short warm-up and measurement, fewer samples).
pub const QUICK_ENV: &str = "BENCH_QUICK";

/// W: `BENCH_WORKERS` if it holds a positive integer, else the available parallelism.
pub fn workers() -> usize {
    static W: OnceLock<usize> = OnceLock::new();
    *W.get_or_init(|| {
        let default = default_workers();
        match parse_workers(std::env::var(WORKERS_ENV).ok().as_deref()) {
            Ok(Some(w)) => w,
            Ok(None) => default,
            Err(message) => {
                eprintln!("benches: {message}; using the default of {default} workers");
                default
            }
        }
    })
}

/// The available parallelism, or 1 when it cannot be determined.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Parses a `BENCH_WORKERS` value: `None` (unset or blank) means "use the default".
pub fn parse_workers(value: Option<&str>) -> Result<Option<usize>, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(0) => Err(format!(
            "{WORKERS_ENV}=0 is not a worker count (it must be at least 1)"
        )),
        Ok(w) => Ok(Some(w)),
        Err(_) => Err(format!("{WORKERS_ENV}={value:?} is not a positive integer")),
    }
}

/// Whether `BENCH_QUICK` asks for quick mode (`1`, `true`, `yes`, `on`).
pub fn quick_mode() -> bool {
    static QUICK: OnceLock<bool> = OnceLock::new();
    *QUICK.get_or_init(
        || match parse_quick(std::env::var(QUICK_ENV).ok().as_deref()) {
            Ok(quick) => quick,
            Err(message) => {
                eprintln!("benches: {message}; running in full mode");
                false
            }
        },
    )
}

/// Parses a `BENCH_QUICK` value; unset or blank means full mode.
pub fn parse_quick(value: Option<&str>) -> Result<bool, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(false);
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "{QUICK_ENV}={value:?} is not one of 1, 0, true, false, yes, no"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_values() {
        assert_eq!(parse_workers(None), Ok(None));
        assert_eq!(parse_workers(Some("  ")), Ok(None));
        assert_eq!(parse_workers(Some("4")), Ok(Some(4)));
        assert_eq!(parse_workers(Some(" 2 ")), Ok(Some(2)));
        assert!(parse_workers(Some("0")).unwrap_err().contains("at least 1"));
        assert!(parse_workers(Some("four"))
            .unwrap_err()
            .contains("\"four\""));
        assert!(parse_workers(Some("-1")).is_err());
    }

    #[test]
    fn quick_values() {
        assert_eq!(parse_quick(None), Ok(false));
        assert_eq!(parse_quick(Some("1")), Ok(true));
        assert_eq!(parse_quick(Some("TRUE")), Ok(true));
        assert_eq!(parse_quick(Some("0")), Ok(false));
        assert!(parse_quick(Some("maybe")).is_err());
    }
}
