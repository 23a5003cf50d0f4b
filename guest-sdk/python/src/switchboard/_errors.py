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
