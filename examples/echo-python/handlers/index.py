"""Echoes every frame back unchanged: text as text, binary as binary."""

from switchboard import socket

config = {"data": "frame"}


def handle(req):
    # With data "frame", text frames arrive as str and binary frames as
    # bytes; send() sends a str as text and bytes as binary.
    socket.send(req.data)
