include!("../../../common/count.rs");

#[switchboard_guest::handler(instances = "warm")]
fn handle(req: Request) -> Result<(), Error> {
    count(req, "warm")
}
