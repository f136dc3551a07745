#[executor::main(thread_name = "worker\0")]
async fn main() {}
