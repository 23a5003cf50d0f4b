include!("../../../common/ops.rs");

#[switchboard_guest::handler]
fn handle(req: Request) -> Result<(), Error> {
    op(req, "fresh")
}
