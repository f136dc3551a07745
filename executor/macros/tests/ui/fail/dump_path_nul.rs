#[executor::main(dump_path = "dump\0.txt")]
async fn main() {}
