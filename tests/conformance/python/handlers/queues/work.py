"""Conformance app, `queues/work`: a queued job that fails on purpose
until its attempt reaches `payload["fail_until"]`."""

from switchboard import SendError, context, socket

config = {"max_attempts": 3}


def run(job):
    payload = job.payload if isinstance(job.payload, dict) else {}
    fail_until = payload.get("fail_until")
    if isinstance(fail_until, (int, float)) and not isinstance(fail_until, bool) and job.attempt < fail_until:
        raise RuntimeError(f"attempt {job.attempt} failed")
    try:
        socket.send({
            "job": job.id,
            "tag": payload.get("tag"),
            "attempt": job.attempt,
            "context_attempt": context.attempt(),
            "user": job.user.id if job.user else None,
            "lang": "python",
        })
    except SendError:
        pass  # pushed by an anonymous caller: no one to send to
