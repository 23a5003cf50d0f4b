"""Small shared state kept by the host: string values and string sets. It
outlives calls, connections and hot swaps (not restarts). Keys are at most
256 bytes and values 64 KiB.

    from switchboard import store

    store.set_add("room:lobby", "ann")
    store.set_members("room:lobby")   # ["ann"]
    store.set("topic:lobby", "welcome")
    store.get("topic:lobby")          # "welcome"

Every function raises StoreError, whose str() is the host's reason, when
a limit refuses the call (a key over 256 bytes, a value over 64 KiB, the
store full) or the backend fails; a refused write changes nothing.

Module state does not survive between messages (each message runs in a
fresh instance), so anything that must be remembered goes here.
"""

from wit_world.imports import store as _host
from componentize_py_types import Err as _Err

from ._errors import StoreError

__all__ = ["get", "set", "delete", "set_add", "set_remove", "set_members", "StoreError"]


def _call(fn, *args):
    try:
        return fn(*args)
    except _Err as e:
        raise StoreError(e.value) from None


def get(key):
    """The value, or None when the key is not set."""
    return _call(_host.get, key)


def set(key, value):
    """Stores a value."""
    _call(_host.set, key, value)


def delete(key):
    """True if the key existed."""
    return _call(_host.delete, key)


def set_add(key, member):
    """True if the member was not in the set yet."""
    return _call(_host.set_add, key, member)


def set_remove(key, member):
    """True if the member was in the set."""
    return _call(_host.set_remove, key, member)


def set_members(key):
    """The members of a set (the host keeps them sorted); [] for no set."""
    return _call(_host.set_members, key)
