//! The arguments of `#[executor::main(..)]` and `#[executor::test(..)]`, parsed into a typed
//! [`Config`] before any code is generated.
//!
//! Rules:
//!
//! 1. Arguments are `name = value` pairs separated by commas, each name at most once.
//! 2. Every error is a [`syn::Error`] on the offending token: an unknown or repeated name on
//!    the name, a bad value on the value. All of them are reported, not only the first.
//! 3. A value is checked here as far as it can be without the runtime: `worker_threads` is
//!    an integer in `1..=MAX_WORKER_THREADS`, `freeze_policy` one of its known strings.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Lit, LitInt, Meta, Path, Token, UnOp};

/// The most worker threads a runtime may have.
///
/// The same limit as `executor::MAX_WORKER_THREADS`, repeated because this crate cannot
/// depend on `executor` (which depends on it); `tests/attr_tests.rs` checks the two agree.
pub(crate) const MAX_WORKER_THREADS: usize = 1024;

/// The checked arguments; `None` for one not given, which leaves the runtime's default.
#[derive(Debug, Default)]
pub(crate) struct Config {
    /// `worker_threads = N`, with `N` in `1..=MAX_WORKER_THREADS`.
    pub(crate) worker_threads: Option<usize>,
    /// `freeze_policy = "freeze" | "no_freeze"`.
    pub(crate) freeze_policy: Option<FreezePolicy>,
}

/// The policies of `executor::FreezePolicy`, by the names the attribute uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FreezePolicy {
    /// `"freeze"`: `executor::FreezePolicy::Freeze`.
    Freeze,
    /// `"no_freeze"`: `executor::FreezePolicy::NoFreeze`.
    NoFreeze,
}

/// The arguments the macros know, in the order the messages list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// `worker_threads = 4`.
    WorkerThreads,
    /// `freeze_policy = "no_freeze"`.
    FreezePolicy,
}

impl Config {
    /// Parses the tokens between the attribute's parentheses.
    ///
    /// # Errors
    /// Every problem found, combined into one [`syn::Error`] (rule 2).
    pub(crate) fn parse(args: TokenStream) -> syn::Result<Config> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
        let mut config = Config::default();
        let mut seen = Vec::new();
        let mut errors = Errors::default();
        for meta in &metas {
            if let Err(e) = config.apply(meta, &mut seen) {
                errors.push(e);
            }
        }
        errors.finish()?;
        Ok(config)
    }

    /// Checks one `name = value` pair and stores its value.
    fn apply(&mut self, meta: &Meta, seen: &mut Vec<Arg>) -> syn::Result<()> {
        let name = meta.path();
        let arg = Arg::from_path(name)?;
        if seen.contains(&arg) {
            let msg = format!("duplicate argument `{}`", arg.name());
            return Err(syn::Error::new_spanned(name, msg));
        }
        seen.push(arg);
        let Meta::NameValue(pair) = meta else {
            let msg = format!(
                "expected a value for `{}`: write `{}`",
                arg.name(),
                arg.example()
            );
            return Err(syn::Error::new_spanned(meta, msg));
        };
        match arg {
            Arg::WorkerThreads => self.worker_threads = Some(worker_threads(&pair.value)?),
            Arg::FreezePolicy => self.freeze_policy = Some(freeze_policy(&pair.value)?),
        }
        Ok(())
    }
}

impl FreezePolicy {
    /// Every policy with its name in the attribute.
    const ALL: [(&'static str, FreezePolicy); 2] = [
        ("freeze", FreezePolicy::Freeze),
        ("no_freeze", FreezePolicy::NoFreeze),
    ];

    /// The policy called `name` in the attribute.
    fn from_name(name: &str) -> Option<FreezePolicy> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|&(_, p)| p)
    }
}

impl Arg {
    /// Every argument.
    const ALL: [Arg; 2] = [Arg::WorkerThreads, Arg::FreezePolicy];

    /// Its name in the attribute.
    fn name(self) -> &'static str {
        match self {
            Arg::WorkerThreads => "worker_threads",
            Arg::FreezePolicy => "freeze_policy",
        }
    }

    /// A well-formed use, for messages.
    fn example(self) -> &'static str {
        match self {
            Arg::WorkerThreads => "worker_threads = 4",
            Arg::FreezePolicy => "freeze_policy = \"no_freeze\"",
        }
    }

    /// The argument `path` names; an error on `path` listing the known ones if none.
    fn from_path(path: &Path) -> syn::Result<Arg> {
        let name = path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::");
        if let Some(arg) = Arg::ALL.into_iter().find(|a| a.name() == name) {
            return Ok(arg);
        }
        let names = Arg::ALL.map(Arg::name);
        let msg = unknown("argument", &name, &format!("`{name}`"), &names, "`");
        Err(syn::Error::new_spanned(path, msg))
    }
}

/// Checks the value of `worker_threads`: an integer literal in `1..=MAX_WORKER_THREADS`.
fn worker_threads(value: &Expr) -> syn::Result<usize> {
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
            let example = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) if s.value().trim().parse::<usize>().is_ok() => {
                    format!("worker_threads = {}", s.value().trim())
                }
                _ => Arg::WorkerThreads.example().to_owned(),
            };
            let msg = format!(
                "expected an integer literal, found {}: write `{example}`",
                describe(value)
            );
            return Err(syn::Error::new_spanned(value, msg));
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

/// Checks the value of `freeze_policy`: one of the strings in [`FreezePolicy::ALL`].
fn freeze_policy(value: &Expr) -> syn::Result<FreezePolicy> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = value
    else {
        // `freeze_policy = no_freeze`: suggest the same name in quotes.
        let example = match value {
            Expr::Path(ExprPath { path, .. }) => path
                .get_ident()
                .map(ToString::to_string)
                .filter(|i| FreezePolicy::from_name(i).is_some()),
            _ => None,
        }
        .map_or_else(
            || Arg::FreezePolicy.example().to_owned(),
            |name| format!("freeze_policy = \"{name}\""),
        );
        let msg = format!(
            "expected a string literal, found {}: write `{example}`",
            describe(value)
        );
        return Err(syn::Error::new_spanned(value, msg));
    };
    let name = lit.value();
    if let Some(policy) = FreezePolicy::from_name(&name) {
        return Ok(policy);
    }
    let names = FreezePolicy::ALL.map(|(n, _)| n);
    let msg = unknown(
        "freeze policy",
        &name,
        &format!("`{name:?}`"),
        &names,
        "`\"",
    );
    Err(syn::Error::new_spanned(lit, msg))
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

    #[test]
    fn parses_both_arguments() {
        let c = Config::parse(quote!(worker_threads = 3, freeze_policy = "no_freeze")).unwrap();
        assert_eq!(c.worker_threads, Some(3));
        assert_eq!(c.freeze_policy, Some(FreezePolicy::NoFreeze));
        let c = Config::parse(quote!()).unwrap();
        assert_eq!((c.worker_threads, c.freeze_policy), (None, None));
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
    fn reports_every_error() {
        let e = Config::parse(quote!(worker_threads = 0, freeze_policy = "x")).unwrap_err();
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
        assert_eq!(
            closest("flavor", &["worker_threads", "freeze_policy"]),
            None
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(one_of(&["a", "b", "c"], "`"), "`a`, `b` or `c`");
        assert_eq!(one_of(&["a"], "`\""), "`\"a\"`");
    }
}
