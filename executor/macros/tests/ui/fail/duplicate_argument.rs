#[executor::main(worker_threads = 2, freeze_policy = "freeze", worker_threads = 4)]
async fn main() {}
