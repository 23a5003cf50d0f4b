//! Accepts the user named by the `x-user` header (sockets and `api/`
//! requests alike), or anonymous.

use switchboard_guest::{HttpRequest, User, authenticate};

#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    Ok(req.header("x-user").map(User::new))
}
