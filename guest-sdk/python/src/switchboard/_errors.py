"""Errors the host reports back to a component."""


class HostError(Exception):
    """The host refused a call; `str(error)` is the host's message."""

    @property
    def message(self):
        return self.args[0] if self.args else ""


class SendError(HostError):
    """`socket.send` or `socket.to(...).send` was refused."""


class StoreError(HostError):
    """`store.set` or `store.set_add` was refused."""
