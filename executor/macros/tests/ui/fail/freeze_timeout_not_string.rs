#[executor::main(freeze_timeout = 100)]
async fn main() {}
