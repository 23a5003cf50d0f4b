"""Queued jobs: push one from any kind of component (socket handlers,
middleware, `api/` HTTP handlers, jobs and schedules).

    from switchboard import queue

    job_id = queue.push("emails", {"to": "ann", "template": "welcome"})
    queue.push("emails", {"to": "bob"}, delay_ms=60_000, idempotency_key="welcome:bob")

`handlers/queues/emails.py` runs the jobs of queue `emails` (see
`switchboard.Job`). The payload is any JSON value, written as the socket
API writes JSON. The job acts for the user the current call acts for, if
any: its `socket.send` reaches them.
"""

from wit_world.imports import queue as _host
from componentize_py_types import Err as _Err

from ._data import dumps as _dumps
from ._errors import QueueError

__all__ = ["push", "QueueError"]


def push(queue, payload, *, delay_ms=None, idempotency_key=None):
    """Queues a job on `queue` (the name of a `queues/<name>.wasm`) and
    returns its id, a str.

    - `payload`: any JSON value (dict, list, str, int, float, bool, None).
    - `delay_ms`: run no sooner than this many milliseconds from now.
    - `idempotency_key`: a second push with the same key to the same queue,
      within the server's idempotency window, queues nothing and returns
      the first job's id.

    Raises QueueError, whose str() is the host's reason, for an unknown
    queue, an oversized payload or a full queue; nothing is queued then.
    A payload that is not a JSON value raises TypeError."""
    if not isinstance(queue, str):
        raise TypeError(f"queue must be a str, not {type(queue).__name__}")
    if delay_ms is not None and (isinstance(delay_ms, bool) or not isinstance(delay_ms, int)
                                 or not 0 <= delay_ms < 2**64):
        raise ValueError(f"delay_ms must be a whole number of milliseconds (0 or more), not {delay_ms!r}")
    if idempotency_key is not None and not isinstance(idempotency_key, str):
        raise TypeError(f"idempotency_key must be a str, not {type(idempotency_key).__name__}")
    options = _host.PushOptions(delay_ms, idempotency_key)
    try:
        return _host.push(queue, _dumps(payload), options)
    except _Err as e:
        raise QueueError(e.value) from None
