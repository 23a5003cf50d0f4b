"""Write Switchboard handlers in Python: WebSocket routes, middleware, and
`api/` HTTP handlers.

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

`context.user()` and `context.params()` tell any handler whom the call
acts for and its route's params.

A module under `handlers/api/`, built with `--http`, defines
`handle(request)` and returns a `switchboard.http.Response`; see
`switchboard.http`, which also makes outbound requests (`http.fetch`).
"""

from . import context, socket, store
from ._errors import HostError, HttpError, SendError, StoreError
from ._types import HttpRequest, Request, SentMessage, User

__all__ = [
    "context",
    "socket",
    "store",
    "Request",
    "User",
    "HttpRequest",
    "SentMessage",
    "HostError",
    "HttpError",
    "SendError",
    "StoreError",
]
