include!("../../../common/ops.rs");

#[switchboard_guest::handler(instances = "warm")]
fn handle(req: Request) -> Result<(), Error> {
    op(req, "warm")
}
