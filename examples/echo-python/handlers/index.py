"""Echoes every frame back unchanged: text as text, binary as binary.

Warm instances: the handler keeps nothing in module state, so reusing an
instance between calls (of any user) is safe, and it saves the cost of a
fresh Python instance per message."""

from switchboard import socket

config = {"data": "frame", "instances": "warm"}


def handle(req):
    # With data "frame", text frames arrive as str and binary frames as
    # bytes; send() sends a str as text and bytes as binary.
    socket.send(req.data)
