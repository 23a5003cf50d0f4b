"""The bridge between the `job` export and a `handlers/queues/` module's
`run(job)`. The build generates the Job class componentize-py calls,
which forwards here."""

from componentize_py_types import Err
from wit_world.exports import job as _wit

from ._config import message, queue_config, setting
from ._types import Job

_route = None
_config = None


def load(module):
    """Checks the module's `config` and keeps it (at build time)."""
    global _route, _config
    _route = module
    _config = _wit.QueueConfig(*queue_config(setting(module, "config")))


def config():
    return _config


def run(job):
    """Runs one job; an exception is the run's error, and the job is
    retried (or dead after its last attempt)."""
    try:
        _route.run(Job._from_wit(job))
    except Exception as e:
        raise Err(message(e))
