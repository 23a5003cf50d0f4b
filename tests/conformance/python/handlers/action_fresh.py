"""Conformance app, `action_fresh`: the code of `action_warm` with the
default config (fresh instances), so every `{"action": "fresh"}` starts
from a new instance and sends count 1."""

from switchboard import socket

counter = 0


def handle(req):
    global counter
    if req.data.get("spin") is True:
        spins = 0
        while True:
            spins += 1
    counter += 1
    socket.send({"count": counter, "mode": "fresh"})
