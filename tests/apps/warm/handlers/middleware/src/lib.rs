// Authenticates by the `x-user` header; anonymous without it.
use switchboard_guest::{HttpRequest, User, authenticate};

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    Ok(req.header("x-user").map(User::new))
}
