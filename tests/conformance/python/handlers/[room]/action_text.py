"""Conformance app, `[room]/action_text`: the text data type and route
params."""

from switchboard import socket

config = {"data": "text", "timeout": 5}


def handle(req):
    socket.send({"room": req.params["room"], "raw": req.data})
