#[executor::main(sigquit_dump)]
async fn main() {}
