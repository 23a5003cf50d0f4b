"""Conversions between the WIT records and the SDK's Python values."""

import json
import math

from ._wit import types as wit

_encode_str = json.encoder.encode_basestring


def dumps(value):
    """JSON text of a value, byte for byte what the Rust SDK (serde_json)
    writes: compact, object keys sorted, non-ASCII kept, floats in the
    shortest form that reads back the same, NaN and infinities as null."""
    out = []
    _write(value, out)
    return "".join(out)


def _write(value, out):
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        items = sorted((_key(k), v) for k, v in value.items())
        out.append("{")
        for i, (key, item) in enumerate(items):
            if i:
                out.append(",")
            out.append(_encode_str(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _key(key):
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(x):
    """Formats like the `ryu` crate: 1.0, 0.001, 1e-7, 1.5e300, 1e16."""
    if not math.isfinite(x):
        return "null"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest round-trip digits; only the layout differs.
    text = repr(abs(x))
    mantissa, _, exp = text.partition("e")
    exponent = int(exp) if exp else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent += len(whole) - (len(whole + frac) - len(digits)) - len(digits)
    # Now the value is int(digits) * 10**exponent; trim trailing zeros.
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    length = len(digits)
    point = length + exponent  # 10**(point-1) <= x < 10**point
    if 0 <= exponent and point <= 16:
        body = digits + "0" * exponent + ".0"
    elif 0 < point <= 16:
        body = digits[:point] + "." + digits[point:]
    elif -5 < point <= 0:
        body = "0." + "0" * -point + digits
    elif length == 1:
        body = f"{digits}e{point - 1:+d}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{point - 1:+d}"
    return sign + body


def to_wit(message):
    """An outgoing message: str is text, bytes-like is binary, anything
    else is JSON."""
    if isinstance(message, str):
        return wit.Data_Text(message)
    if isinstance(message, (bytes, bytearray, memoryview)):
        return wit.Data_Binary(bytes(message))
    return wit.Data_Json(dumps(message))


def _parse_int(text):
    # Like serde_json: -0 and integers beyond 64 bits are read as floats.
    n = int(text)
    if -(2**63) <= n < 2**64 and text != "-0":
        return n
    return float(text)


def loads(text):
    """Parses JSON text."""
    return json.loads(text, parse_int=_parse_int)


def from_wit(data):
    """An incoming payload: parsed JSON, str or bytes."""
    if isinstance(data, wit.Data_Json):
        return loads(data.value)
    return data.value


def kind_of(data):
    """'json', 'text' or 'binary'."""
    if isinstance(data, wit.Data_Json):
        return "json"
    if isinstance(data, wit.Data_Text):
        return "text"
    return "binary"
