#[executor::test(worker_threads = 2)]
fn plain() {}

fn main() {}
