#[executor::main(sigquit_dump = 0)]
async fn main() {}
