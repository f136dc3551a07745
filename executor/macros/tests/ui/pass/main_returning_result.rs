use std::num::ParseIntError;

#[executor::main(worker_threads = 1)]
async fn main() -> Result<(), ParseIntError> {
    let n: u32 = "21".parse()?;
    if n == 0 {
        return Ok(());
    }
    let doubled = executor::spawn(async move { n * 2 }).await.unwrap();
    assert_eq!(doubled, 42);
    Ok(())
}
