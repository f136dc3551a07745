#[executor::test]
async fn t() {
    assert_eq!(executor::spawn(async { 1 + 1 }).await.unwrap(), 2);
}

#[executor::test(worker_threads = 3, freeze_policy = "freeze")]
async fn t_with_args() -> Result<(), String> {
    executor::yield_now().await;
    Ok(())
}

#[executor::test]
#[should_panic(expected = "boom")]
#[ignore = "only checks that the attributes compile together"]
async fn t_should_panic() {
    panic!("boom");
}

fn main() {}
