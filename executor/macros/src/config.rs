//! The arguments of `#[executor::main(..)]` and `#[executor::test(..)]`, parsed into a typed
//! [`Config`] before any code is generated.
//!
//! Rules:
//!
//! 1. Arguments are `name = value` pairs separated by commas, each name at most once.
//! 2. Every error is a [`syn::Error`] on the offending token: an unknown or repeated name on
//!    the name, a bad value on the value. All of them are reported, not only the first.
//! 3. A value is checked here as far as it can be without the runtime, by its argument's
//!    [`ValueKind`]; what the runtime's `Builder::build` would refuse is refused here.
//! 4. Each argument is one entry of [`ARGS`]: its name, which is also the `executor::Builder`
//!    method it calls, an example for messages, and its [`ValueKind`], which decides how the
//!    value is checked here and written in `expand`. A new argument of an existing kind (a
//!    duration, say) is one entry there plus its line in the docs of `lib.rs`, which a test
//!    checks is there.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Lit, LitInt, LitStr, Meta, Path, Token, UnOp};

use crate::duration;

/// The most worker threads a runtime may have.
///
/// The same limit as `executor::MAX_WORKER_THREADS`, repeated because this crate cannot
/// depend on `executor` (which depends on it); `tests/attr_tests.rs` checks the two agree.
pub(crate) const MAX_WORKER_THREADS: usize = 1024;

/// Every argument, in the order of the `Builder` methods, which is also the order of the
/// generated calls and of the lists in messages.
pub(crate) static ARGS: &[Arg] = &[
    Arg {
        name: "worker_threads",
        example: "4",
        kind: ValueKind::WorkerCount,
    },
    Arg {
        name: "thread_name",
        example: "\"my-worker\"",
        kind: ValueKind::Str {
            what: "a thread name",
            empty_ok: true,
        },
    },
    Arg {
        name: "freeze_policy",
        example: "\"no_freeze\"",
        kind: ValueKind::Choice(&FREEZE_POLICIES),
    },
    Arg {
        name: "freeze_timeout",
        example: "\"100ms\"",
        kind: ValueKind::Duration,
    },
    Arg {
        name: "task_panic",
        example: "\"fatal\"",
        kind: ValueKind::Choice(&TASK_PANIC_POLICIES),
    },
    Arg {
        name: "sigquit_dump",
        example: "false",
        kind: ValueKind::Bool,
    },
    Arg {
        name: "dump_path",
        example: "\"executor-dump.txt\"",
        kind: ValueKind::Str {
            what: "a path",
            empty_ok: false,
        },
    },
    Arg {
        name: "await_traces",
        example: "false",
        kind: ValueKind::Bool,
    },
    Arg {
        name: "stall_warning",
        example: "\"200ms\"",
        kind: ValueKind::Duration,
    },
    Arg {
        name: "stall_fatal",
        example: "\"2s\"",
        kind: ValueKind::Duration,
    },
];

/// The values of `freeze_policy`: `executor::FreezePolicy`.
const FREEZE_POLICIES: Choices = Choices {
    what: "freeze policy",
    enum_name: "FreezePolicy",
    values: &[("freeze", "Freeze"), ("no_freeze", "NoFreeze")],
};

/// The values of `task_panic`: `executor::TaskPanic`.
const TASK_PANIC_POLICIES: Choices = Choices {
    what: "task panic policy",
    enum_name: "TaskPanic",
    values: &[("propagate", "Propagate"), ("fatal", "Fatal")],
};

/// One argument the attributes accept (rule 4).
#[derive(Debug)]
pub(crate) struct Arg {
    /// Its name in the attribute, and the `executor::Builder` method it calls.
    pub(crate) name: &'static str,
    /// A well-formed value, for messages: `4`, `"no_freeze"`.
    example: &'static str,
    /// What its value must be.
    kind: ValueKind,
}

/// What the value of an argument must be, so how it is checked and written.
#[derive(Debug)]
enum ValueKind {
    /// An unsuffixed integer literal in `1..=MAX_WORKER_THREADS`, passed as a `usize`.
    WorkerCount,
    /// A string literal naming a variant of an `executor` enum, passed as that variant.
    Choice(&'static Choices),
    /// A string literal without a NUL byte (none can reach the OS), passed as a `&str`.
    Str {
        /// What the string is, for "a path cannot contain a NUL byte".
        what: &'static str,
        /// Whether `""` is accepted.
        empty_ok: bool,
    },
    /// A string literal by the grammar of [`crate::duration`], greater than zero, passed as a
    /// `core::time::Duration`.
    Duration,
    /// `true` or `false`, passed as is.
    Bool,
}

/// The strings a [`ValueKind::Choice`] accepts.
#[derive(Debug)]
struct Choices {
    /// What the value is, for "unknown freeze policy".
    what: &'static str,
    /// The enum in `executor`.
    enum_name: &'static str,
    /// Each accepted string with its variant, in the order messages list them.
    values: &'static [(&'static str, &'static str)],
}

/// The checked arguments, each with its value; those not given keep the runtime's default.
#[derive(Debug, Default)]
pub(crate) struct Config {
    /// In the order of [`ARGS`], whatever the order they were written in.
    pub(crate) settings: Vec<Setting>,
}

/// One argument given, and its checked value.
#[derive(Debug)]
pub(crate) struct Setting {
    /// Which argument.
    pub(crate) arg: &'static Arg,
    /// Its value.
    pub(crate) value: Value,
    /// The name's span, for the generated method call: an error in that call (a runtime
    /// without the method) points at the argument.
    pub(crate) name_span: Span,
    /// The value's span, for the generated value.
    pub(crate) value_span: Span,
}

/// A checked value, as the argument of its `Builder` method takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Of a [`ValueKind::WorkerCount`].
    Usize(usize),
    /// Of a [`ValueKind::Choice`]: `executor::{enum_name}::{variant}`.
    Variant {
        /// The enum in `executor`: `FreezePolicy`.
        enum_name: &'static str,
        /// The variant: `NoFreeze`.
        variant: &'static str,
    },
    /// Of a [`ValueKind::Str`].
    Str(String),
    /// Of a [`ValueKind::Duration`].
    Duration(Duration),
    /// Of a [`ValueKind::Bool`].
    Bool(bool),
}

impl Config {
    /// Parses the tokens between the attribute's parentheses.
    ///
    /// # Errors
    /// Every problem found, combined into one [`syn::Error`] (rule 2).
    pub(crate) fn parse(args: TokenStream) -> syn::Result<Config> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
        let mut config = Config::default();
        // Every argument named so far, with a valid value or not.
        let mut seen = Vec::new();
        let mut errors = Errors::default();
        for meta in &metas {
            match check(meta, &mut seen) {
                Ok(setting) => config.settings.push(setting),
                Err(e) => errors.push(e),
            }
        }
        errors.finish()?;
        config.settings.sort_by_key(|s| s.arg.index());
        Ok(config)
    }

    /// The value given for the argument `name`, if any.
    #[cfg(test)]
    fn get(&self, name: &str) -> Option<&Value> {
        let setting = self.settings.iter().find(|s| s.arg.name == name);
        setting.map(|s| &s.value)
    }
}

/// Checks one `name = value` pair; `seen` holds the arguments before it (rule 1).
fn check(meta: &Meta, seen: &mut Vec<&'static str>) -> syn::Result<Setting> {
    let name = meta.path();
    let arg = Arg::from_path(name)?;
    if seen.contains(&arg.name) {
        let msg = format!("duplicate argument `{}`", arg.name);
        return Err(syn::Error::new_spanned(name, msg));
    }
    seen.push(arg.name);
    let Meta::NameValue(pair) = meta else {
        let msg = format!(
            "expected a value for `{}`: write `{} = {}`",
            arg.name, arg.name, arg.example
        );
        return Err(syn::Error::new_spanned(meta, msg));
    };
    Ok(Setting {
        arg,
        value: arg.check(&pair.value)?,
        name_span: name.span(),
        value_span: pair.value.span(),
    })
}

impl Arg {
    /// The argument `path` names; an error on `path` listing the known ones if none.
    fn from_path(path: &Path) -> syn::Result<&'static Arg> {
        let name = path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        if let Some(arg) = ARGS.iter().find(|a| a.name == name) {
            return Ok(arg);
        }
        let names: Vec<&str> = ARGS.iter().map(|a| a.name).collect();
        let msg = unknown("argument", &name, &format!("`{name}`"), &names, "`");
        Err(syn::Error::new_spanned(path, msg))
    }

    /// Its position in [`ARGS`].
    fn index(&self) -> usize {
        ARGS.iter()
            .position(|a| std::ptr::eq(a, self))
            .expect("every `Arg` is in `ARGS`")
    }

    /// Checks `value` by the argument's [`ValueKind`].
    fn check(&self, value: &Expr) -> syn::Result<Value> {
        match self.kind {
            ValueKind::WorkerCount => self.worker_count(value).map(Value::Usize),
            ValueKind::Choice(choices) => self.choice(choices, value),
            ValueKind::Str { what, empty_ok } => self.string(what, empty_ok, value).map(Value::Str),
            ValueKind::Duration => self.duration(value).map(Value::Duration),
            ValueKind::Bool => match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => Ok(Value::Bool(b.value)),
                _ => {
                    // `sigquit_dump = "false"`: suggest it without the quotes.
                    let fix = str_lit(value)
                        .map(LitStr::value)
                        .filter(|s| s == "true" || s == "false");
                    Err(self.wrong_type("`true` or `false`", value, fix))
                }
            },
        }
    }

    /// A [`ValueKind::WorkerCount`]: an integer literal in `1..=MAX_WORKER_THREADS`.
    fn worker_count(&self, value: &Expr) -> syn::Result<usize> {
        let lit = match value {
            Expr::Lit(ExprLit {
                lit: Lit::Int(lit), ..
            }) => lit,
            // `worker_threads = -1`.
            Expr::Unary(ExprUnary {
                op: UnOp::Neg(_), ..
            }) => return Err(syn::Error::new_spanned(value, too_few_workers())),
            _ => {
                // `worker_threads = "4"`: suggest the same number without the quotes.
                let fix = str_lit(value)
                    .map(|s| s.value().trim().to_owned())
                    .filter(|s| s.parse::<usize>().is_ok());
                return Err(self.wrong_type("an integer literal", value, fix));
            }
        };
        if !matches!(lit.suffix(), "" | "usize") {
            let msg = format!(
                "expected an unsuffixed integer literal, found suffix `{}`",
                lit.suffix()
            );
            return Err(syn::Error::new_spanned(lit, msg));
        }
        check_worker_count(lit)
    }

    /// A [`ValueKind::Choice`]: one of the strings of `choices`.
    fn choice(&self, choices: &Choices, value: &Expr) -> syn::Result<Value> {
        let Some(lit) = str_lit(value) else {
            // `freeze_policy = no_freeze` or `task_panic = TaskPanic::Fatal`: suggest the
            // string for it.
            let fix = match value {
                Expr::Path(ExprPath { path, .. }) => path.segments.last().and_then(|last| {
                    choices
                        .values
                        .iter()
                        .find(|(name, variant)| last.ident == name || last.ident == variant)
                }),
                _ => None,
            };
            let fix = fix.map(|(name, _)| format!("\"{name}\""));
            return Err(self.wrong_type("a string literal", value, fix));
        };
        let name = lit.value();
        if let Some(&(_, variant)) = choices.values.iter().find(|(n, _)| *n == name) {
            return Ok(Value::Variant {
                enum_name: choices.enum_name,
                variant,
            });
        }
        let names: Vec<&str> = choices.values.iter().map(|&(n, _)| n).collect();
        let shown = format!("`{name:?}`");
        let msg = unknown(choices.what, &name, &shown, &names, "`\"");
        Err(syn::Error::new_spanned(lit, msg))
    }

    /// A [`ValueKind::Str`]: a string literal without NUL, not empty unless `empty_ok`.
    fn string(&self, what: &str, empty_ok: bool, value: &Expr) -> syn::Result<String> {
        let Some(lit) = str_lit(value) else {
            return Err(self.wrong_type("a string literal", value, None));
        };
        let s = lit.value();
        if s.contains('\0') {
            let msg = format!("{what} cannot contain a NUL byte");
            return Err(syn::Error::new_spanned(lit, msg));
        }
        if s.is_empty() && !empty_ok {
            let msg = format!(
                "`{}` cannot be empty: write `{} = {}`",
                self.name, self.name, self.example
            );
            return Err(syn::Error::new_spanned(lit, msg));
        }
        Ok(s)
    }

    /// A [`ValueKind::Duration`]: a string literal by the grammar of [`crate::duration`], above
    /// zero.
    fn duration(&self, value: &Expr) -> syn::Result<Duration> {
        let Some(lit) = str_lit(value) else {
            return Err(self.wrong_type("a string literal", value, None));
        };
        let text = lit.value();
        match duration::parse(&text) {
            Ok(d) if d.is_zero() => {
                let msg = format!("`{}` must be greater than zero", self.name);
                Err(syn::Error::new_spanned(lit, msg))
            }
            Ok(d) => Ok(d),
            Err(e) => {
                let mut msg = format!("invalid duration `{text:?}`: {e}");
                if let Some(fix) = e.suggestion(&text) {
                    msg += &format!(", did you mean `{fix:?}`?");
                } else if e.is_syntax() {
                    msg += &format!(
                        ", expected {}, such as `{}`",
                        duration::GRAMMAR,
                        self.example
                    );
                }
                Err(syn::Error::new_spanned(lit, msg))
            }
        }
    }

    /// `expected EXPECTED, found ...: write `name = FIX``, with the example when there is
    /// no better fix.
    fn wrong_type(&self, expected: &str, value: &Expr, fix: Option<String>) -> syn::Error {
        let fix = fix.as_deref().unwrap_or(self.example);
        let msg = format!(
            "expected {expected}, found {}: write `{} = {fix}`",
            describe(value),
            self.name
        );
        syn::Error::new_spanned(value, msg)
    }
}

/// The range check of `worker_threads`; a number too large for `usize` is too many.
fn check_worker_count(lit: &LitInt) -> syn::Result<usize> {
    match lit.base10_parse::<usize>() {
        Ok(0) => Err(syn::Error::new_spanned(lit, too_few_workers())),
        Ok(n) if n <= MAX_WORKER_THREADS => Ok(n),
        _ => {
            let msg = format!(
                "`worker_threads` must be at most {MAX_WORKER_THREADS}, \
                 the runtime's limit (`executor::MAX_WORKER_THREADS`)"
            );
            Err(syn::Error::new_spanned(lit, msg))
        }
    }
}

/// The message for `worker_threads = 0` (or a negative number).
fn too_few_workers() -> &'static str {
    "`worker_threads` must be at least 1, a runtime needs at least one worker thread"
}

/// `value` if it is a string literal.
fn str_lit(value: &Expr) -> Option<&LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s),
        _ => None,
    }
}

/// `unknown WHAT SHOWN, did you mean NEAR?` or `unknown WHAT SHOWN, expected A or B`, with
/// each candidate between `open` and its mirror image (`` ` `` or `` `" ``).
fn unknown(what: &str, name: &str, shown: &str, names: &[&str], open: &str) -> String {
    let close: String = open.chars().rev().collect();
    match closest(name, names) {
        Some(near) => format!("unknown {what} {shown}, did you mean {open}{near}{close}?"),
        None => format!("unknown {what} {shown}, expected {}", one_of(names, open)),
    }
}

/// What kind of expression `expr` is, for "found ..." in messages.
fn describe(expr: &Expr) -> &'static str {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Str(_) => "a string literal",
            Lit::Int(_) => "an integer literal",
            Lit::Float(_) => "a float literal",
            Lit::Bool(_) => "a boolean",
            Lit::Char(_) => "a character literal",
            Lit::Byte(_) | Lit::ByteStr(_) | Lit::CStr(_) => "a byte literal",
            _ => "a literal",
        },
        Expr::Path(ExprPath { path, .. }) if path.get_ident().is_some() => "an identifier",
        Expr::Path(_) => "a path",
        _ => "an expression",
    }
}

/// `"`a` or `b`"`, `"`a`, `b` or `c`"`, each name between `open` and its mirror.
fn one_of(names: &[&str], open: &str) -> String {
    let close: String = open.chars().rev().collect();
    let quoted: Vec<String> = names.iter().map(|n| format!("{open}{n}{close}")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The candidate `input` is probably a misspelling of: same letters once case, `-` and `_`
/// are ignored, or at most a third of the letters edited.
fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let input = fold(input);
    candidates
        .iter()
        .map(|&c| (edit_distance(&input, &fold(c)), c))
        .filter(|&(d, c)| d <= c.len() / 3)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The Levenshtein distance between `a` and `b`, in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]`: the distance between the prefix of `a` seen so far and `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Collects errors so all of them are reported at once (rule 2).
#[derive(Default)]
pub(crate) struct Errors {
    /// Every error so far, combined; `None` while there is none.
    first: Option<syn::Error>,
}

impl Errors {
    /// Adds `error` to the ones to report.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.first {
            Some(first) => first.combine(error),
            None => self.first = Some(error),
        }
    }

    /// `Err` with every error pushed, if any.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The message of the only error `args` gives.
    fn error(args: TokenStream) -> String {
        let e = Config::parse(args).unwrap_err();
        assert_eq!(e.clone().into_iter().count(), 1, "{e}");
        e.to_string()
    }

    #[test]
    fn parses_every_argument() {
        let c = Config::parse(quote!(
            stall_fatal = "2s",
            stall_warning = "200ms",
            await_traces = false,
            dump_path = "d.txt",
            sigquit_dump = false,
            task_panic = "fatal",
            freeze_timeout = "1.5s",
            freeze_policy = "no_freeze",
            thread_name = "w",
            worker_threads = 3,
        ))
        .unwrap();
        assert_eq!(c.get("worker_threads"), Some(&Value::Usize(3)));
        assert_eq!(c.get("thread_name"), Some(&Value::Str("w".into())));
        let no_freeze = Value::Variant {
            enum_name: "FreezePolicy",
            variant: "NoFreeze",
        };
        assert_eq!(c.get("freeze_policy"), Some(&no_freeze));
        let timeout = Value::Duration(Duration::from_millis(1500));
        assert_eq!(c.get("freeze_timeout"), Some(&timeout));
        let fatal = Value::Variant {
            enum_name: "TaskPanic",
            variant: "Fatal",
        };
        assert_eq!(c.get("task_panic"), Some(&fatal));
        assert_eq!(c.get("sigquit_dump"), Some(&Value::Bool(false)));
        assert_eq!(c.get("dump_path"), Some(&Value::Str("d.txt".into())));
        assert_eq!(c.get("await_traces"), Some(&Value::Bool(false)));
        let stall = Value::Duration(Duration::from_millis(200));
        assert_eq!(c.get("stall_warning"), Some(&stall));
        assert_eq!(
            c.get("stall_fatal"),
            Some(&Value::Duration(Duration::from_secs(2)))
        );
        // Whatever the order written, the settings follow `ARGS`.
        let order: Vec<&str> = c.settings.iter().map(|s| s.arg.name).collect();
        let all: Vec<&str> = ARGS.iter().map(|a| a.name).collect();
        assert_eq!(order, all);

        assert!(Config::parse(quote!()).unwrap().settings.is_empty());
    }

    #[test]
    fn limits_of_worker_threads() {
        let max = MAX_WORKER_THREADS;
        assert!(Config::parse(quote!(worker_threads = 1)).is_ok());
        assert!(Config::parse(quote!(worker_threads = #max)).is_ok());
        let over = max + 1;
        assert!(Config::parse(quote!(worker_threads = #over)).is_err());
        assert!(Config::parse(quote!(worker_threads = 0)).is_err());
        assert!(Config::parse(quote!(worker_threads = -1)).is_err());
        assert!(Config::parse(quote!(worker_threads = 99999999999999999999999)).is_err());
    }

    #[test]
    fn strings() {
        assert!(Config::parse(quote!(thread_name = "")).is_ok());
        assert_eq!(
            error(quote!(thread_name = "a\0b")),
            "a thread name cannot contain a NUL byte"
        );
        assert_eq!(
            error(quote!(dump_path = "")),
            "`dump_path` cannot be empty: write `dump_path = \"executor-dump.txt\"`"
        );
        assert_eq!(
            error(quote!(dump_path = "\0")),
            "a path cannot contain a NUL byte"
        );
        assert_eq!(
            error(quote!(thread_name = worker)),
            "expected a string literal, found an identifier: write `thread_name = \"my-worker\"`"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(
            error(quote!(freeze_timeout = "0ms")),
            "`freeze_timeout` must be greater than zero"
        );
        assert_eq!(
            error(quote!(freeze_timeout = "100")),
            "invalid duration `\"100\"`: missing unit, expected a number followed by a unit \
             (`ns`, `us`, `ms`, `s` or `m`), such as `\"100ms\"`"
        );
        assert_eq!(
            error(quote!(freeze_timeout = "100 ms")),
            "invalid duration `\"100 ms\"`: a duration cannot contain whitespace, \
             did you mean `\"100ms\"`?"
        );
        assert_eq!(
            error(quote!(freeze_timeout = 100)),
            "expected a string literal, found an integer literal: \
             write `freeze_timeout = \"100ms\"`"
        );
    }

    #[test]
    fn duration_values_out_of_range() {
        assert_eq!(
            error(quote!(freeze_timeout = "1.5ns")),
            "invalid duration `\"1.5ns\"`: not a whole number of nanoseconds"
        );
        assert_eq!(
            error(quote!(freeze_timeout = "99999999999999999999999m")),
            "invalid duration `\"99999999999999999999999m\"`: \
             too large for a `std::time::Duration`"
        );
    }

    #[test]
    fn booleans_and_choices() {
        assert_eq!(
            Config::parse(quote!(sigquit_dump = true))
                .unwrap()
                .get("sigquit_dump"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            error(quote!(sigquit_dump = "true")),
            "expected `true` or `false`, found a string literal: write `sigquit_dump = true`"
        );
        assert_eq!(
            error(quote!(task_panic = executor::TaskPanic::Fatal)),
            "expected a string literal, found a path: write `task_panic = \"fatal\"`"
        );
        assert_eq!(
            error(quote!(task_panic = "abort")),
            "unknown task panic policy `\"abort\"`, expected `\"propagate\"` or `\"fatal\"`"
        );
        assert_eq!(
            error(quote!(task_panic = "Fatal")),
            "unknown task panic policy `\"Fatal\"`, did you mean `\"fatal\"`?"
        );
    }

    #[test]
    fn reports_every_error() {
        let e = Config::parse(quote!(
            worker_threads = 0,
            freeze_policy = "x",
            freeze_timeout = "0s",
            task_panic = 1,
        ))
        .unwrap_err();
        assert_eq!(e.into_iter().count(), 4);
        // A repeated argument is an error even when its first value was not valid.
        let e = Config::parse(quote!(worker_threads = 0, worker_threads = 2)).unwrap_err();
        assert_eq!(e.into_iter().count(), 2);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("worker_thread", &["worker_threads"]),
            Some("worker_threads")
        );
        assert_eq!(
            closest("nofreeze", &["freeze", "no_freeze"]),
            Some("no_freeze")
        );
        assert_eq!(
            closest("NoFreeze", &["freeze", "no_freeze"]),
            Some("no_freeze")
        );
        let names: Vec<&str> = ARGS.iter().map(|a| a.name).collect();
        assert_eq!(closest("flavor", &names), None);
        assert_eq!(closest("task_panics", &names), Some("task_panic"));
        assert_eq!(closest("freeze_timout", &names), Some("freeze_timeout"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(one_of(&["a", "b", "c"], "`"), "`a`, `b` or `c`");
        assert_eq!(one_of(&["a"], "`\""), "`\"a\"`");
    }

    /// Rule 4: the docs of `#[executor::main]` list every argument.
    #[test]
    fn every_argument_is_documented() {
        let docs = include_str!("lib.rs");
        for arg in ARGS {
            let line = format!("/// - `{} = ", arg.name);
            assert!(docs.contains(&line), "no `{line}` in lib.rs");
        }
    }
}
