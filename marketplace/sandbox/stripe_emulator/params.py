"""Request parameters: Stripe's form encoding decoded into nested values, the
allowed names per endpoint taken from the ``stripe`` package's own typed params,
and the small coercions (integers, booleans, metadata) Stripe applies.

The allowed names are never written by hand: each endpoint names its params
TypedDict (e.g. ``PaymentIntentCreateParams``) and the names are read from the
class's annotations, so a Stripe upgrade that adds or removes a parameter
changes the emulator with it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import stripe.params
from stripe._request_options import RequestOptions

from marketplace.sandbox.stripe_emulator.errors import (
    not_emulated,
    parameter_missing,
    parameter_unknown,
    validation_error,
)

# api_key, idempotency_key, stripe_account, headers, …: the client turns these
# into headers, so they are never parameters on the wire.
REQUEST_OPTION_NAMES = frozenset(RequestOptions.__annotations__)

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Nested keys that are free-form maps, never arrays, even when a key is a digit.
_MAPS = frozenset({"metadata"})

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def _annotations(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        names.update(getattr(klass, "__annotations__", {}))
    return names


@cache
def allowed_parameters(class_name: str) -> frozenset[str]:
    """Top-level parameter names of ``stripe.params.<class_name>``."""
    return frozenset(_annotations(getattr(stripe.params, class_name)) - REQUEST_OPTION_NAMES)


@cache
def required_parameters(class_name: str) -> frozenset[str]:
    cls = getattr(stripe.params, class_name)
    return frozenset(getattr(cls, "__required_keys__", frozenset()) - REQUEST_OPTION_NAMES)


@cache
def nested_names(class_name: str) -> frozenset[str]:
    """Keys of a nested params TypedDict, e.g. the capability names of
    ``AccountCreateParamsCapabilities``."""
    return frozenset(_annotations(getattr(stripe.params, class_name)))


def check_parameters(class_name: str, params: dict[str, Any], extra: frozenset[str]) -> None:
    allowed = allowed_parameters(class_name) | extra
    for name in params:
        if name not in allowed:
            raise parameter_unknown(name)
    for name in sorted(required_parameters(class_name)):
        if name not in params:
            raise parameter_missing(name)


# --- form decoding ---------------------------------------------------------


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``metadata[k]=v&expand[]=a&expand[1]=b`` → ``{"metadata": {"k": "v"},
    "expand": ["a", "b"]}``: Stripe's (Rack-style) bracket encoding."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise validation_error(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        _assign(root, path, value, key)
    return {name: _listify(value, name) for name, value in root.items()}


def _assign(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    for depth, segment in enumerate(path):
        if segment == "":
            # "expand[]": append; numbered keys keep their order after listify.
            segment = f"{len(node):06d}"
        if depth == len(path) - 1:
            if isinstance(node.get(segment), dict):
                raise validation_error(f"Invalid value for {key}: expected an object", param=key)
            node[segment] = value
            return
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise validation_error(f"Invalid value for {key}: not an object", param=key)
        node = child


def _listify(value: Any, name: str) -> Any:
    if not isinstance(value, dict):
        return value
    if value and name not in _MAPS and all(k.isdigit() for k in value):
        return [_listify(value[k], name) for k in sorted(value, key=int)]
    return {k: _listify(v, k) for k, v in value.items()}


# --- coercions -------------------------------------------------------------


def integer(
    params: dict[str, Any],
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw.strip()):
        raise validation_error(
            f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer"
        )
    number = int(raw)
    if minimum is not None and number < minimum:
        raise validation_error(
            f"This value must be greater than or equal to {minimum}.",
            param=name,
            code="parameter_invalid_integer",
        )
    if maximum is not None and number > maximum:
        raise validation_error(
            f"This value must be less than or equal to {maximum}.",
            param=name,
            code="parameter_invalid_integer",
        )
    return number


def boolean(params: dict[str, Any], name: str, *, default: bool = False) -> bool:
    raw = params.get(name)
    if raw is None:
        return default
    if raw in ("true", "false"):
        return raw == "true"
    raise validation_error(f"Invalid boolean: {raw}", param=name)


def string(params: dict[str, Any], name: str) -> str | None:
    """A plain string parameter; "" unsets it, as on Stripe."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise validation_error(f"Invalid string: {name} must be a string", param=name)
    return raw


def mapping(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise validation_error(f"Invalid object: {name} must be an object", param=name)
    return raw


def currency(params: dict[str, Any], name: str = "currency") -> str:
    raw = params.get(name)
    if raw is None:
        raise parameter_missing(name)
    if not isinstance(raw, str) or not re.fullmatch(r"[A-Za-z]{3}", raw):
        raise validation_error(f"Invalid currency: {raw}.", param=name)
    return raw.lower()


def updated_metadata(current: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    """Stripe's metadata semantics: keys merge into what is there, a key set to
    "" is removed, and ``metadata=""`` clears everything."""
    raw = params.get("metadata")
    if raw is None:
        return dict(current)
    if raw == "":
        return {}
    if not isinstance(raw, dict):
        raise validation_error("Invalid object", param="metadata")
    merged = dict(current)
    for key, value in raw.items():
        if not isinstance(value, str):
            raise validation_error(f"Invalid value for metadata[{key}]", param=f"metadata[{key}]")
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise validation_error(
                f"Metadata keys can have up to {METADATA_MAX_KEY_LENGTH} characters; "
                f"the key '{key}' is longer.",
                param=f"metadata[{key}]",
            )
        if len(value) > METADATA_MAX_VALUE_LENGTH:
            raise validation_error(
                f"Metadata values can have up to {METADATA_MAX_VALUE_LENGTH} characters.",
                param=f"metadata[{key}]",
            )
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > METADATA_MAX_KEYS:
        raise validation_error(
            f"Metadata can have up to {METADATA_MAX_KEYS} keys.", param="metadata"
        )
    return merged


def expand_list(params: dict[str, Any]) -> list[str]:
    raw = params.get("expand")
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise validation_error("Invalid array", param="expand")
    return raw


def reject(params: dict[str, Any], implemented: frozenset[str], where: str) -> None:
    """Refuse parameters Stripe knows but the emulator does not implement."""
    for name in params:
        if name not in implemented and name != "expand":
            raise not_emulated(name, where)
