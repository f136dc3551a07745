#[executor::main(task_panic = executor::TaskPanic::Fatal)]
async fn main() {}
