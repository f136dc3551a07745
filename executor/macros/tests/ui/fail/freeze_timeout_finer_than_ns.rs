#[executor::main(freeze_timeout = "1.5ns")]
async fn main() {}
