"""Conformance app, `_middleware`: authenticate and presence."""

from switchboard import User, socket, store


def authenticate(req):
    if req.query_param("deny") is not None:
        raise PermissionError("denied")
    user = req.query_param("user")
    if user is not None:
        expires = req.query_param("expires")
        return User(user, {"via": "conformance"}, None if expires is None else int(expires))
    return None


def on_online(user_id):
    store.set_add("online_seen", user_id)
    socket.send({"presence": "online", "user": user_id})


def on_offline(user_id):
    store.set_add("offline_seen", user_id)
