#[executor::main]
async fn main(args: Vec<String>, verbose: bool) {
    if verbose {
        println!("{args:?}");
    }
}
