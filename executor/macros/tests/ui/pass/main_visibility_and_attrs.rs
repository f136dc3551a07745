//! Attributes and visibility are kept; the body's own names do not clash with the macro's.

/// The entry point.
#[executor::main(worker_threads = 1)]
#[deny(unused_variables)]
pub async fn main() {
    let builder = "the user's own `builder`";
    assert_eq!(builder.len(), 24);
}
