const DUMP: &str = "dump.txt";

#[executor::main(dump_path = DUMP)]
async fn main() {
    let _ = DUMP;
}
