use switchboard_guest::{Error, Request, handler, socket};

#[handler]
fn sendto(req: Request) -> Result<(), Error> {
    let users: Vec<String> = req.json()["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    socket::to(&users).send(req.json()["message"].clone())?;
    socket::send("done")
}
