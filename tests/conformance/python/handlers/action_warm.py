"""Conformance app, `action_warm`: a warm instance keeps module state.

Each `{"action": "warm"}` adds 1 to a module-level counter and sends it,
so the counts go 1, 2, 3... while the server reuses the instance. With
`"spin": true` the call loops forever, until fuel or the timeout stops it
and the server discards the instance; the next call then starts again at
1. (The counter is not per-user data, so keeping it is safe.)"""

from switchboard import socket

config = {"instances": "warm"}

counter = 0


def handle(req):
    global counter
    if req.data.get("spin") is True:
        spins = 0
        while True:
            spins += 1
    counter += 1
    socket.send({"count": counter, "mode": "warm"})
