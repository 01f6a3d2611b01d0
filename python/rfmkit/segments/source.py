"""Reading a scheme's source: a file (by path or by name) or the text itself."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, InputTypeError

__all__ = ["source_text"]


def source_text(source: str | bytes | Path, suffix: str) -> str:
    """The text of a scheme file, or ``source`` itself when it is the text."""
    if isinstance(source, (bytes, bytearray)):
        return _decoded(bytes(source), "the scheme text")
    if not isinstance(source, (str, Path)):
        raise InputTypeError(f"a scheme source must be a path or a text, not {type(source).__name__}")
    text = str(source)
    is_file = isinstance(source, Path) or (
        "\n" not in text and (text.lower().endswith(suffix) or _is_file(text))
    )
    if not is_file:
        return text
    try:
        raw = Path(text).read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"cannot read scheme file {text!r}: {reason}") from None
    return _decoded(raw, f"scheme file {text!r}")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long, a NUL: it is text, not a path
        return False


def _decoded(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not UTF-8 text: byte {raw[exc.start]:#04x} at offset {exc.start} cannot be decoded"
        ) from None
