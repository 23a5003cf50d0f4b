"""What the current call is about: whom it acts for and its route's
params. Works in every kind of handler: socket handlers, middleware hooks
and `api/` HTTP handlers.

    from switchboard import context

    user = context.user()          # a User, or None when anonymous
    room = context.params().get("room")

For a socket message, `params()` holds the values of the route's
`[param]` folders (the same as `req.params`); for an HTTP request, those
of its `[param]` path segments (`api/echo/[id].py` gives {"id": "7"} for
/api/echo/7). In a presence hook, `user()` is the user who came or went.

`attempt()` is the run's attempt number (1, 2, ...) in a queued job, and
None in every other kind of call.
"""

from wit_world.imports import context as _host

from ._types import User

__all__ = ["user", "params", "attempt"]


def user():
    """The user the call acts for, a `switchboard.User`, or None when the
    caller is anonymous."""
    return User._from_wit(_host.user())


def params():
    """The route's params, a dict of name -> value (strings)."""
    return dict(_host.params())


def attempt():
    """The attempt number of the queued job this call runs, from 1; None
    outside a job (`handlers/queues/`)."""
    return _host.attempt()
