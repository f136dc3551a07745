#[executor::main(freeze_timeout = "-100ms")]
async fn main() {}
