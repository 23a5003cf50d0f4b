"""Errors the host reports back to a component."""


class HostError(Exception):
    """The host refused a call; `str(error)` is the host's message. Raised
    as is by `socket.is_online`; sends and store calls raise the
    subclasses below."""

    @property
    def message(self):
        return self.args[0] if self.args else ""


class SendError(HostError):
    """`socket.send` or `socket.to(...).send` was refused."""


class StoreError(HostError):
    """A store call was refused (a limit, or the backend failed)."""


class QueueError(HostError):
    """`queue.push` was refused: an unknown queue, a bad or oversized
    payload, or a full queue. Nothing was queued."""


class HttpError(HostError):
    """An outbound request (`switchboard.http.fetch`) failed: the host
    denied it (the host is not allow-listed), the connection was refused,
    it timed out, or the response was malformed. `code` is the wasi:http
    error code, such as "HTTP-request-denied" or "connection-refused"."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code
