include!("../../../common/count.rs");

#[switchboard_guest::handler]
fn handle(req: Request) -> Result<(), Error> {
    count(req, "fresh")
}
