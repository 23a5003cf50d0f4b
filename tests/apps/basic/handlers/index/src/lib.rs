const ROUTE: &str = "index";
include!("../../../common/probe.rs");

use switchboard_guest::{HttpRequest, User, authenticate};

/// Users for the tests: `x-user` header, `token=user:ID` query parameter, or
/// `session=ID` cookie. `token=refuse` is refused; nothing at all is
/// anonymous.
#[authenticate]
fn who(req: HttpRequest) -> Result<Option<User>, String> {
    if let Some(id) = req.header("x-user") {
        return Ok(Some(User::new(id).with_claims(json!({ "via": "header" }))));
    }
    match req.query_param("token") {
        Some("refuse") => return Err("token refused".into()),
        Some(token) => {
            let id = token.strip_prefix("user:").ok_or("malformed token")?;
            return Ok(Some(User::new(id).with_claims(json!({ "via": "query" }))));
        }
        None => {}
    }
    Ok(req
        .cookie("session")
        .map(|id| User::new(id).with_claims(json!({ "via": "cookie" }))))
}
