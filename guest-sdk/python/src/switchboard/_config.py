"""Checks of the `config` dicts of queues and schedules. They run while
the component is built, so a bad value fails the build."""

import types

QUEUE_KEYS = ("concurrency", "max_attempts", "timeout")
SCHEDULE_KEYS = ("cron", "timezone", "timeout")


def setting(module, name):
    """A module-level setting; a module imported under the same name
    (`import config`) is not one."""
    value = getattr(module, name, None)
    return None if isinstance(value, types.ModuleType) else value


def _keys(config, allowed, example):
    if not isinstance(config, dict):
        raise TypeError(f"`config` must be a dict like {example}")
    unknown = [k for k in config if k not in allowed]
    if unknown:
        raise ValueError(f"unknown `config` key {unknown[0]!r}; the keys are "
                         + ", ".join(repr(k) for k in allowed))


def whole(config, key, what):
    """config[key]: None, or a whole number from 1 that fits a u32."""
    value = config.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**32):
        raise ValueError(f"config[{key!r}] must be a whole number of {what} (1 or more), not {value!r}")
    return value


def queue_config(config):
    """(concurrency, max_attempts, timeout_seconds) of a queue's optional
    `config`."""
    if config is None:
        config = {}
    _keys(config, QUEUE_KEYS, "{'max_attempts': 3, 'concurrency': 4, 'timeout': 30}")
    return (whole(config, "concurrency", "jobs"), whole(config, "max_attempts", "attempts"),
            whole(config, "timeout", "seconds"))


def schedule_config(config):
    """(cron, timezone, timeout_seconds) of a schedule's required
    `config`."""
    example = "{'cron': '0 * * * *', 'timezone': 'Europe/Paris'}"
    if config is None:
        raise ValueError(f"a schedule needs `config = {example}` (its cron expression)")
    _keys(config, SCHEDULE_KEYS, example)
    cron = config.get("cron")
    if not isinstance(cron, str):
        raise ValueError(f"config['cron'] must be a crontab expression such as '0 * * * *', not {cron!r}")
    fields = len(cron.split())
    if fields not in (5, 6):
        raise ValueError(f"config['cron'] = {cron!r} has {fields} fields; a crontab expression has 5 "
                         "(minute hour day-of-month month day-of-week), or 6 with seconds first")
    timezone = config.get("timezone")
    if timezone is not None and (not isinstance(timezone, str) or not timezone):
        raise ValueError(f"config['timezone'] must be an IANA time zone such as 'Europe/Paris', not {timezone!r}")
    return cron, timezone, whole(config, "timeout", "seconds")


def message(error):
    """What the host's log sees for an exception."""
    text = str(error)
    return text if text else type(error).__name__
