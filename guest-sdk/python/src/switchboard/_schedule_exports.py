"""The bridge between the `schedule` export and a `handlers/schedules/`
module's `run(tick)`. The build generates the Schedule class
componentize-py calls, which forwards here."""

from componentize_py_types import Err
from wit_world.exports import schedule as _wit

from ._config import message, schedule_config, setting
from ._types import Tick

_route = None
_config = None


def load(module):
    """Checks the module's required `config` and keeps it (at build
    time)."""
    global _route, _config
    _route = module
    _config = _wit.ScheduleConfig(*schedule_config(setting(module, "config")))


def config():
    return _config


def run(tick):
    """Runs one tick; an exception is the run's error."""
    try:
        _route.run(Tick._from_wit(tick))
    except Exception as e:
        raise Err(message(e))
