"""Conformance app, `index`: one operation per message, chosen by `op`."""

from switchboard import queue, socket, store


def _reason(call, *args):
    """The message of the StoreError a call raises."""
    try:
        call(*args)
    except store.StoreError as e:
        return str(e)
    raise RuntimeError("the call succeeded")


def _push(name, payload, **options):
    """Queues a job and tells the client its id, or the host's reason."""
    try:
        socket.send({"queued": queue.push(name, payload, **options)})
    except queue.QueueError as e:
        socket.send({"push_error": str(e)})


def handle(req):
    msg = req.data
    op = msg.get("op") if isinstance(msg, dict) else None
    if op == "echo":
        user = req.user
        socket.send({
            "echo": msg,
            "user": user.id if user else None,
            "claims": user.claims if user else None,
        })
    elif op == "send_to":
        users = msg["users"]
        socket.to(users).send(msg["message"])
        socket.send({"sent_to": len(users)})
    elif op == "online":
        user = msg["user"]
        socket.send({"user": user, "online": socket.is_online(user)})
    elif op == "fail":
        raise RuntimeError("failed on purpose")
    elif op == "store":
        store.set(msg["key"], msg["value"])
        socket.send({"stored": store.get(msg["key"])})
    elif op == "members":
        socket.send({"members": sorted(store.set_members(msg["key"]))})
    elif op == "store_error":
        # Both calls must raise with the host's reason (a key over 256
        # bytes), which the reply carries unchanged.
        key = "k" * 300
        socket.send({"get": _reason(store.get, key), "members": _reason(store.set_members, key)})
    elif op == "binary":
        socket.send(bytes([0, 1, 2, 255]))
    elif op == "text":
        socket.send("plain text")
    elif op == "enqueue":
        _push("work", msg.get("payload"), idempotency_key=msg.get("key"), delay_ms=msg.get("delay_ms"))
    elif op == "enqueue_to":
        _push(msg["queue"], {})
    else:
        raise ValueError("unknown op")
