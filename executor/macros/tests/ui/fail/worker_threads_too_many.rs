#[executor::main(worker_threads = 1025)]
async fn main() {}
