#[executor::main(worker_threads = 0, freeze_policy = "frozen", flavor = "current_thread")]
fn main() {}
