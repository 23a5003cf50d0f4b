"""Conformance app, `schedules/tick`: runs every second and reports each
tick to the user `watcher`."""

from switchboard import SendError, socket

config = {"cron": "* * * * * *"}


def run(tick):
    try:
        socket.send({})
        send_error = None
    except SendError as e:
        send_error = str(e)  # a schedule has no user to send to
    socket.to(["watcher"]).send({
        "tick": "python",
        "scheduled_at": tick.scheduled_at,
        "catch_up": tick.catch_up,
        "send_error": send_error,
    })
