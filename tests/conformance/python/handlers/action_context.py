"""Conformance app, `action_context`: the call context of a socket
message."""

from switchboard import context, socket


def handle(req):
    user = context.user()
    socket.send({"context": {"user": user.id if user else None, "params": context.params()}})
