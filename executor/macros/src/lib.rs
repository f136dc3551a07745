//! Placeholder, being replaced by the real macros.
use proc_macro::TokenStream;
/// main
#[proc_macro_attribute]
pub fn main(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// test
#[proc_macro_attribute]
pub fn test(_a: TokenStream, i: TokenStream) -> TokenStream { i }
