"""Calls back into the host: reply, send to users, and ask who is online.

    from switchboard import socket

    socket.send({"ok": True})                  # JSON, as a text frame
    socket.to(["ann", "bob"]).send("hi, both")  # a plain text frame
    socket.is_online("ann")

A message is a str (text frame), bytes/bytearray (binary frame), or any
JSON value: dict, list, int, float, bool or None (JSON text, in a text
frame).
"""

from wit_world.imports import socket as _host
from componentize_py_types import Err as _Err

from ._data import to_wit as _to_wit
from ._errors import HostError, SendError

__all__ = ["send", "to", "is_online", "Recipients", "HostError", "SendError", "MAX_RECIPIENTS"]

#: The most users one `to(...).send(...)` may name.
MAX_RECIPIENTS = 100


def send(message):
    """Sends to the current user on every device, or only to the current
    connection when it is anonymous. Raises SendError when the host
    refuses (for example past the per-call send limits)."""
    data = _to_wit(message)
    try:
        _host.send(data)
    except _Err as e:
        raise SendError(e.value) from None


def to(users):
    """Names the users to send to: `socket.to(["ann"]).send(...)`. A single
    str names one user."""
    if isinstance(users, str):
        users = [users]
    return Recipients(users)


def is_online(user):
    """True while the user has at least one open connection. Raises
    HostError when the host cannot find out (a backend it relies on
    failed)."""
    try:
        return _host.is_online(user)
    except _Err as e:
        raise HostError(e.value) from None


class Recipients:
    """Users chosen with `to`."""

    __slots__ = ("users",)

    def __init__(self, users):
        self.users = [str(u) for u in users]

    def send(self, message):
        """Sends to every open connection of each user; offline users are
        skipped. More than MAX_RECIPIENTS users raises SendError and
        nothing is sent."""
        data = _to_wit(message)
        try:
            _host.send_to(self.users, data)
        except _Err as e:
            raise SendError(e.value) from None

    def __repr__(self):
        return f"Recipients({self.users!r})"
