//! Signs people in by the name they pick: `?name=ann` on the socket URL,
//! or a `name` cookie. No name means anonymous.

use switchboard_guest::{HttpRequest, User, authenticate};

#[authenticate]
fn sign_in(req: HttpRequest) -> Result<Option<User>, String> {
    let Some(name) = req.query_param("name").or_else(|| req.cookie("name")) else {
        return Ok(None);
    };
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err("a name is 1 to 32 letters, digits, '-' or '_'".into());
    }
    Ok(Some(User::new(name)))
}
