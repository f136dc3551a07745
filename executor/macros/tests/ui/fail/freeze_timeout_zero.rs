#[executor::main(freeze_timeout = "0ms")]
async fn main() {}
