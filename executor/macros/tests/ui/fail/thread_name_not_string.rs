#[executor::main(thread_name = 42)]
async fn main() {}
