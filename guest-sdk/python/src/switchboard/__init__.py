"""Write Switchboard handlers in Python: WebSocket routes, middleware, and
`api/` HTTP handlers.

A route module defines plain functions; `guest-sdk/python/build` exports
the ones it finds:

    from switchboard import socket

    config = {"data": "json", "timeout": 5, "instances": "warm"}   # optional

    def handle(req):
        socket.send({"hello": req.data["name"]})

- `handle(req)`: one message (exports `handler`).
- `authenticate(http_request)`: return None (anonymous), a user id or a
  `User`, or raise to refuse (exports `authenticate`).
- `on_online(user_id)`, `on_offline(user_id)` (export `presence`).
- `on_message_received(req)`, `on_messages_sent(messages)` (a list of
  `SentMessage`, once per call that sent any), `on_error(error, req)` and
  an optional `hooks` dict (export `logging`).

`config["instances"]` is "fresh" (the default: a new instance per call) or
"warm" (instances are reused, so module state persists between calls,
whoever the caller; never keep one user's data where another's call can
read it).

An exception raised by a handler is the error the client receives as
{"error": "<str(exception)>"}.

`context.user()` and `context.params()` tell any handler whom the call
acts for and its route's params.

A module under `handlers/api/`, built with `--http`, defines
`handle(request)` and returns a `switchboard.http.Response`; see
`switchboard.http`, which also makes outbound requests (`http.fetch`).

A module under `handlers/queues/`, built with `--job`, defines `run(job)`
(a `Job`: .id, .payload, .user, .attempt) and an optional `config`
{"concurrency", "max_attempts", "timeout"}; one under
`handlers/schedules/`, built with `--schedule`, defines `run(tick)` (a
`Tick`: .scheduled_at, .catch_up) and a required `config` {"cron",
"timezone", "timeout"}. An exception raised by `run` fails the run (a job
is then retried). `queue.push(name, payload)` queues a job from any kind
of component.
"""

from . import context, queue, socket, store
from ._errors import HostError, HttpError, QueueError, SendError, StoreError
from ._types import HttpRequest, Job, Request, SentMessage, Tick, User

__all__ = [
    "context",
    "queue",
    "socket",
    "store",
    "Request",
    "User",
    "HttpRequest",
    "SentMessage",
    "Job",
    "Tick",
    "HostError",
    "HttpError",
    "QueueError",
    "SendError",
    "StoreError",
]
