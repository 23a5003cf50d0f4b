"""What handlers receive: requests, users, the HTTP upgrade request, sent
messages (for logging hooks), queued jobs and schedule ticks."""

from ._wit import types as _wit

from ._data import dumps, from_wit, kind_of, loads

__all__ = ["Request", "User", "HttpRequest", "SentMessage", "Job", "Tick"]


class User:
    """An authenticated user: an id and, optionally, claims (a JSON object,
    as a dict) and `expires_at`, when its credentials expire (Unix seconds,
    an int): the server closes the connection then, with close code 4001."""

    __slots__ = ("id", "claims", "expires_at")

    def __init__(self, id, claims=None, expires_at=None):
        self.id = id
        self.claims = claims
        self.expires_at = expires_at

    def __repr__(self):
        return f"User({self.id!r}, {self.claims!r}, expires_at={self.expires_at!r})"

    def __eq__(self, other):
        return isinstance(other, User) and (self.id, self.claims, self.expires_at) == (
            other.id, other.claims, other.expires_at)

    @classmethod
    def _from_wit(cls, user):
        if user is None:
            return None
        claims = None
        if user.claims is not None:
            try:
                claims = loads(user.claims)
            except ValueError:
                claims = None
        return cls(user.id, claims, user.expires_at)

    def _to_wit(self):
        claims = None if self.claims is None else dumps(self.claims)
        expires_at = None if self.expires_at is None else int(self.expires_at)
        return _wit.User(str(self.id), claims, expires_at)


class Request:
    """One message routed to this handler.

    - `data`: the payload, decoded by the handler's `config["data"]`: the
      parsed JSON value for "json", str for "text", bytes for "binary"; for
      "frame", str for text frames and bytes for binary frames.
    - `user`: a User, or None when the connection is anonymous.
    - `connection`: the id of the connection that sent the message.
    - `request_id`: unique for every message.
    - `params`: values of the route's `[param]` folders, a dict.
    - `kind`: "json", "text" or "binary", how `data` arrived.
    """

    __slots__ = ("connection", "data", "kind", "request_id", "user", "params")

    def __init__(self, connection, data, request_id, user=None, params=None, kind="json"):
        self.connection = connection
        self.data = data
        self.kind = kind
        self.request_id = request_id
        self.user = user
        self.params = {} if params is None else params

    def __repr__(self):
        return (
            f"Request(connection={self.connection!r}, data={self.data!r}, "
            f"request_id={self.request_id!r}, user={self.user!r}, params={self.params!r})"
        )

    @classmethod
    def _from_wit(cls, req):
        return cls(
            connection=req.connection,
            data=from_wit(req.data),
            request_id=req.request_id,
            user=User._from_wit(req.user),
            params=dict(req.params),
            kind=kind_of(req.data),
        )


def _lookup(pairs, name):
    for key, value in pairs:
        if key == name:
            return value
    return None


class HttpRequest:
    """The HTTP request that asked to open a WebSocket: `method`, `path`,
    `query` (raw, without "?"), and `query_params`, `headers` (names in
    lower case) and `cookies` as lists of (name, value) pairs."""

    __slots__ = ("method", "path", "query", "query_params", "headers", "cookies")

    def __init__(self, method, path, query="", query_params=(), headers=(), cookies=()):
        self.method = method
        self.path = path
        self.query = query
        self.query_params = list(query_params)
        self.headers = list(headers)
        self.cookies = list(cookies)

    def __repr__(self):
        return f"HttpRequest({self.method!r}, {self.path!r}, query={self.query!r})"

    def header(self, name):
        """The first header with this (case-insensitive) name, or None."""
        return _lookup(self.headers, name.lower())

    def query_param(self, name):
        """The first query parameter with this name, or None."""
        return _lookup(self.query_params, name)

    def cookie(self, name):
        """The first cookie with this name, or None."""
        return _lookup(self.cookies, name)

    def bearer_token(self):
        """The token of an `Authorization: Bearer` header, or None."""
        value = self.header("authorization")
        if value is None:
            return None
        scheme, _, token = value.partition(" ")
        if not token or scheme.lower() != "bearer":
            return None
        return token.strip()

    @classmethod
    def _from_wit(cls, req):
        return cls(req.method, req.path, req.query, req.query_params, req.headers, req.cookies)


class SentMessage:
    """A message a component sent (`on_messages_sent` gets a list of them,
    in send order): `connection` is set for an anonymous `send`, `user` for
    a send by a user and for each user of `socket.to` (one entry per user);
    `data` is decoded like `Request.data`."""

    __slots__ = ("connection", "user", "data", "kind")

    def __init__(self, connection, user, data, kind="json"):
        self.connection = connection
        self.user = user
        self.data = data
        self.kind = kind

    def __repr__(self):
        return f"SentMessage(connection={self.connection!r}, user={self.user!r}, data={self.data!r})"

    @classmethod
    def _from_wit(cls, message):
        return cls(message.connection, message.user, from_wit(message.data), kind_of(message.data))


class Job:
    """One run of a queued job (see `handlers/queues/`):

    - `id`: the job's id, as `queue.push` returned it.
    - `payload`: the pushed payload, parsed from JSON.
    - `user`: the User the push acted for (`socket.send` in the run goes
      to them), or None.
    - `attempt`: 1 on the first run, 2 on the first retry, and so on.
    """

    __slots__ = ("id", "payload", "user", "attempt")

    def __init__(self, id, payload, user=None, attempt=1):
        self.id = id
        self.payload = payload
        self.user = user
        self.attempt = attempt

    def __repr__(self):
        return f"Job({self.id!r}, {self.payload!r}, user={self.user!r}, attempt={self.attempt!r})"

    @classmethod
    def _from_wit(cls, job):
        try:
            payload = loads(job.payload)
        except ValueError as e:
            raise ValueError(f"the job's payload is not JSON: {e}") from None
        return cls(job.id, payload, User._from_wit(job.user), job.attempt)


class Tick:
    """One run of a schedule (see `handlers/schedules/`):

    - `scheduled_at`: the tick this run is for, in Unix milliseconds (int).
    - `catch_up`: True when the run makes up for ticks missed while no
      server ran (at most one such run follows downtime).
    """

    __slots__ = ("scheduled_at", "catch_up")

    def __init__(self, scheduled_at, catch_up=False):
        self.scheduled_at = scheduled_at
        self.catch_up = catch_up

    def __repr__(self):
        return f"Tick(scheduled_at={self.scheduled_at!r}, catch_up={self.catch_up!r})"

    @classmethod
    def _from_wit(cls, tick):
        return cls(tick.scheduled_at, tick.catch_up)
