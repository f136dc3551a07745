#[executor::main(sigquit_dump = "false")]
async fn main() {}
