#[executor::main(task_panic = fatal)]
async fn main() {}
