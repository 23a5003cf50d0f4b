"""Write Switchboard WebSocket handlers in Python.

A route module defines plain functions; `guest-sdk/python/build` exports
the ones it finds:

    from switchboard import socket

    config = {"data": "json", "timeout": 5}   # optional

    def handle(req):
        socket.send({"hello": req.data["name"]})

- `handle(req)`: one message (exports `handler`).
- `authenticate(http_request)`: return None (anonymous), a user id or a
  `User`, or raise to refuse (exports `authenticate`).
- `on_online(user_id)`, `on_offline(user_id)` (export `presence`).
- `on_message_received(req)`, `on_message_sent(message)`,
  `on_error(error, req)` and an optional `hooks` dict (export `logging`).

An exception raised by a handler is the error the client receives as
{"error": "<str(exception)>"}.
"""

from . import socket, store
from ._errors import HostError, SendError, StoreError
from ._types import HttpRequest, Request, SentMessage, User

__all__ = [
    "socket",
    "store",
    "Request",
    "User",
    "HttpRequest",
    "SentMessage",
    "HostError",
    "SendError",
    "StoreError",
]
