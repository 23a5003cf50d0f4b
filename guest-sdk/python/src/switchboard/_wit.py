"""The generated binding of `switchboard:socket/types`, whichever world the
component was built for. componentize-py names it `types` in the socket
worlds and `switchboard_socket_types` in the HTTP world, where it would
otherwise clash with `wasi:http/types`."""

try:
    from wit_world.imports import switchboard_socket_types as types
except ImportError:
    from wit_world.imports import types

__all__ = ["types"]
