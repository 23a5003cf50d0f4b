"""The bridge between the WIT exports and a route module. The build
generates the classes componentize-py calls (Handler, Authenticate,
Presence, Logging), which forward here."""

import sys
import traceback

from componentize_py_types import Err

from ._config import message as _message
from ._config import setting as _setting
from ._types import HttpRequest, Request, SentMessage, User
from ._wit import types as wit

DATA_TYPES = {
    "json": wit.DataType.JSON,
    "text": wit.DataType.TEXT,
    "binary": wit.DataType.BINARY,
    "frame": wit.DataType.FRAME,
}
INSTANCES = {
    "fresh": wit.Instances.FRESH,
    "warm": wit.Instances.WARM,
}
CONFIG_KEYS = ("data", "timeout", "instances")
HOOK_MODES = {
    "inherit": wit.HookMode.INHERIT,
    "handle": wit.HookMode.HANDLE,
    "wrap": wit.HookMode.WRAP,
    "disable": wit.HookMode.DISABLE,
}
HOOKS = ("on_message_received", "on_messages_sent", "on_error")
# Names of switchboard:socket 0.3.0 that 0.4.0 replaced: defining one is a
# mistake that would otherwise be silently ignored.
RENAMED = {
    "on_message_sent": "`on_message_sent(message)` is now `on_messages_sent(messages)`: it is "
                       "called once per call that sent anything, with the list of its messages",
}

_route = None
_config = None
_hooks = None


def load(module):
    """Checks the route module's `config` and `hooks` and keeps them. This
    runs while the component is built, so mistakes fail the build."""
    global _route, _config, _hooks
    _route = module
    for old, why in RENAMED.items():
        if callable(getattr(module, old, None)):
            raise ValueError(why)
    _config = handler_config(_setting(module, "config"))
    _hooks = hook_modes(module, _setting(module, "hooks"))


def handler_config(config):
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError("`config` must be a dict like {'data': 'json', 'timeout': 5, 'instances': 'warm'}")
    unknown = [k for k in config if k not in CONFIG_KEYS]
    if unknown:
        raise ValueError(f"unknown `config` key {unknown[0]!r}; the keys are 'data', 'timeout' and 'instances'")
    data = config.get("data", "json")
    if data not in DATA_TYPES:
        raise ValueError(f"config['data'] must be one of {', '.join(DATA_TYPES)}, not {data!r}")
    timeout = config.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout < 2**32
    ):
        raise ValueError(f"config['timeout'] must be a whole number of seconds (1 or more), not {timeout!r}")
    instances = config.get("instances", "fresh")
    if not isinstance(instances, str) or instances not in INSTANCES:
        raise ValueError(f"config['instances'] must be one of {', '.join(INSTANCES)}, not {instances!r}")
    return wit.HandlerConfig(DATA_TYPES[data], timeout, INSTANCES[instances])


def hook_modes(module, hooks):
    if hooks is None:
        hooks = {}
    if not isinstance(hooks, dict):
        raise TypeError("`hooks` must be a dict like {'on_error': 'wrap'}")
    for name, mode in hooks.items():
        if name in RENAMED:
            raise ValueError(f"unknown hook {name!r} in `hooks`: {RENAMED[name]}")
        if name not in HOOKS:
            raise ValueError(f"unknown hook {name!r} in `hooks`; the hooks are {', '.join(HOOKS)}")
        if mode not in HOOK_MODES:
            raise ValueError(f"hooks[{name!r}] must be one of {', '.join(HOOK_MODES)}, not {mode!r}")
    modes = []
    for name in HOOKS:
        default = "handle" if callable(getattr(module, name, None)) else "inherit"
        modes.append(HOOK_MODES[hooks.get(name, default)])
    return wit.HookModes(*modes)


# handler

def config():
    return _config


def handle(req):
    try:
        _route.handle(Request._from_wit(req))
    except Exception as e:
        raise Err(_message(e))


# authenticate

def authenticate(req):
    try:
        user = _route.authenticate(HttpRequest._from_wit(req))
    except Exception as e:
        raise Err(_message(e))
    if user is None:
        return None
    if isinstance(user, str):
        return wit.User(user, None, None)
    if isinstance(user, User):
        try:
            return user._to_wit()
        except Exception as e:
            raise Err(f"bad user claims or expires_at: {_message(e)}")
    raise Err(f"authenticate returned {type(user).__name__}; return None, a user id or a switchboard.User")


# presence

def on_online(user_id):
    _presence("on_online", user_id)


def on_offline(user_id):
    _presence("on_offline", user_id)


def _presence(name, user_id):
    hook = getattr(_route, name, None)
    if hook is None:
        return
    try:
        hook(user_id)
    except Exception as e:
        raise Err(_message(e))


# logging: these have no error result, so a failing hook is reported on
# stderr (the host's log) rather than trapping the instance.

def hooks():
    return _hooks


def on_message_received(req):
    _log("on_message_received", lambda: (Request._from_wit(req),))


def on_messages_sent(messages):
    _log("on_messages_sent", lambda: ([SentMessage._from_wit(m) for m in messages],))


def on_error(error, req):
    _log("on_error", lambda: (error, None if req is None else Request._from_wit(req)))


def _log(name, args):
    hook = getattr(_route, name, None)
    if hook is None:
        return
    try:
        hook(*args())
    except Exception:
        traceback.print_exc(file=sys.stderr)
