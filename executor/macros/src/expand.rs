//! Code generation: from a checked [`Config`] and the user's `async fn` to the synchronous
//! function that builds a runtime and blocks on the body.
//!
//! Rules:
//!
//! 1. Arguments are parsed first ([`Config::parse`]), the signature checked second, and every
//!    error from both is reported at once.
//! 2. On error the function is still emitted, expanded with the arguments if all of them
//!    were valid and with none (the runtime's defaults) otherwise, so editors keep resolving
//!    its body.
//!    The emitted function is made to compile on its own, so the only errors are ours:
//!    parameters become `let` bindings of the body (an `async fn main` left as is, or a
//!    `main` with parameters, would add rustc's own errors), generic parameters and a second
//!    test attribute are dropped.
//! 3. The call to `run_main`/`run_test` carries the span of the function's body: both are
//!    `#[track_caller]`, so the main task's spawn site is the user's function, and a type
//!    error in the body's value points at the body.
//! 4. Names the generated code introduces have `Span::mixed_site()`, so the body cannot see
//!    them; paths are absolute (`::executor::..`, `::core::..`).
//! 5. Each argument is one `Builder` call, `.name(value)`, written from its [`Value`] alone
//!    (nothing here is per argument), with the spans of the argument's name and value: a
//!    runtime without that method, or taking another type, is an error on the argument.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Attribute, FnArg, Generics, Ident, ItemFn, PatType};

use crate::config::{Config, Errors, Setting, Value};

/// Which attribute is being expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[executor::main]`: the program's entry point; a panic of its body is fatal.
    Main,
    /// `#[executor::test]`: a `#[test]` whose panics fail the test as usual.
    Test,
}

/// Expands `#[executor::main(args)]` or `#[executor::test(args)]` on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let config = Config::parse(args).unwrap_or_else(|e| {
        errors.push(e);
        Config::default()
    });
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        // Not a function: nothing to wrap, give it back as it was.
        Err(e) => {
            let msg = match kind {
                Kind::Main => "`#[executor::main]` can only be used on an `async fn`",
                Kind::Test => "`#[executor::test]` can only be used on an `async fn`",
            };
            errors.push(syn::Error::new(e.span(), msg));
            return with_errors(item, errors);
        }
    };
    check_signature(kind, &function, &mut errors);
    with_errors(generate(kind, &config, function), errors)
}

/// The signature rules: `async`, no parameters, no generics, and for tests no second test
/// attribute.
fn check_signature(kind: Kind, function: &ItemFn, errors: &mut Errors) {
    let sig = &function.sig;
    let what = match kind {
        Kind::Main => "the main function",
        Kind::Test => "test functions",
    };
    if sig.asyncness.is_none() {
        let msg = "the `async` keyword is missing from the function declaration";
        errors.push(syn::Error::new_spanned(sig.fn_token, msg));
    }
    if !sig.inputs.is_empty() {
        let msg = match kind {
            Kind::Main => {
                "the main function cannot take parameters, use `std::env::args()` instead"
            }
            Kind::Test => "test functions cannot take parameters",
        };
        errors.push(syn::Error::new_spanned(&sig.inputs, msg));
    }
    if !sig.generics.params.is_empty() {
        let msg = format!("{what} cannot have generic parameters");
        errors.push(syn::Error::new_spanned(&sig.generics, msg));
    } else if let Some(clause) = &sig.generics.where_clause {
        let msg = format!("{what} cannot have a `where` clause");
        errors.push(syn::Error::new_spanned(clause, msg));
    }
    if kind == Kind::Test {
        if let Some(attr) = function.attrs.iter().find(|a| is_test_attr(a)) {
            let msg = "second test attribute, `#[executor::test]` already makes this a test";
            errors.push(syn::Error::new_spanned(attr, msg));
        }
    }
}

/// The synchronous function that runs `function`'s body on a runtime built from `config`.
fn generate(kind: Kind, config: &Config, function: ItemFn) -> TokenStream {
    let ItemFn {
        mut attrs,
        vis,
        mut sig,
        block,
    } = function;
    sig.asyncness = None;
    // Rule 2: these are empty unless an error was reported.
    sig.generics = Generics::default();
    let params = std::mem::take(&mut sig.inputs);
    let bindings: Vec<TokenStream> = params.iter().filter_map(param_binding).collect();
    if kind == Kind::Test {
        // Ours is emitted below; a second one would be rustc's "duplicated attribute".
        attrs.retain(|a| !is_test_attr(a));
    }

    let builder = Ident::new("builder", Span::mixed_site());
    let settings = builder_settings(config);
    let runner = match kind {
        Kind::Main => quote!(run_main),
        Kind::Test => quote!(run_test),
    };
    let body_span = block.brace_token.span.join();
    let body = if bindings.is_empty() {
        block.into_token_stream()
    } else {
        quote_spanned!(body_span=> { #(#bindings)* #block })
    };
    let run = quote_spanned! {body_span=>
        ::executor::__private::#runner(#builder, async move #body)
    };
    let test_attr = match kind {
        Kind::Main => None,
        Kind::Test => Some(quote!(#[::core::prelude::v1::test])),
    };
    quote! {
        #test_attr
        #(#attrs)*
        #vis #sig {
            let #builder = ::executor::Runtime::builder() #settings;
            #run
        }
    }
}

/// The builder calls for the arguments given, one per [`Setting`], each the method of the
/// argument's name with the name's span, so that a runtime without that method is an error
/// on the argument.
fn builder_settings(config: &Config) -> TokenStream {
    let mut settings = TokenStream::new();
    for Setting {
        arg,
        value,
        name_span,
        value_span,
    } in &config.settings
    {
        let method = Ident::new(arg.name, *name_span);
        let value = value_tokens(value, *value_span);
        settings.extend(quote_spanned!(*name_span=> .#method(#value)));
    }
    settings
}

/// `value` as the argument of a `Builder` method, with the span of the value it came from.
fn value_tokens(value: &Value, span: Span) -> TokenStream {
    match value {
        Value::Usize(n) => {
            let mut n = Literal::usize_unsuffixed(*n);
            n.set_span(span);
            n.into_token_stream()
        }
        Value::Variant { enum_name, variant } => {
            let enum_name = Ident::new(enum_name, span);
            let variant = Ident::new(variant, span);
            quote_spanned!(span=> ::executor::#enum_name::#variant)
        }
        Value::Str(s) => {
            let mut s = Literal::string(s);
            s.set_span(span);
            s.into_token_stream()
        }
        Value::Duration(d) => {
            let secs = Literal::u64_unsuffixed(d.as_secs());
            let nanos = Literal::u32_unsuffixed(d.subsec_nanos());
            quote_spanned!(span=> ::core::time::Duration::new(#secs, #nanos))
        }
        Value::Bool(b) => Ident::new(if *b { "true" } else { "false" }, span).into_token_stream(),
    }
}

/// Whether `attr` makes a test: `#[test]`, `#[core::prelude::v1::test]`, `#[tokio::test]`...
fn is_test_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test")
}

/// A rejected parameter as a `let` of the body, so the body still type-checks (rule 2); a
/// `self` parameter has no such form and is dropped.
///
/// The value is `None.unwrap()` rather than `unreachable!()`: the type checker does not see
/// it diverge, so the body is not reported as unreachable nor the parameter as unused.
fn param_binding(param: &FnArg) -> Option<TokenStream> {
    match param {
        FnArg::Typed(PatType { attrs, pat, ty, .. }) => Some(quote! {
            #(#attrs)*
            let #pat: #ty = ::core::option::Option::None.unwrap();
        }),
        FnArg::Receiver(_) => None,
    }
}

/// `tokens`, preceded by a `compile_error!` for each error.
fn with_errors(tokens: TokenStream, errors: Errors) -> TokenStream {
    match errors.finish() {
        Ok(()) => tokens,
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(tokens);
            out
        }
    }
}
