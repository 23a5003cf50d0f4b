"""Conformance app, `[room]/action_context`: the call context of a socket
message with a route param."""

from switchboard import context, socket


def handle(req):
    user = context.user()
    socket.send({"context": {"user": user.id if user else None, "params": context.params()}})
