"""JSON logs, one object a line, that never print a full IMEI, coupon code, token or secret.

`redact` masks after normalising, so that every form a service accepts is caught, not only the canonical one:

- **Coupon codes** (16 Crockford base32 characters, canonically `7KQ4-M2ZD-9XWB-H3RT`) keep only their
  last group: `****-****-****-H3RT`. The coupon service accepts a code in any case, with dashes and
  whitespace anywhere or nowhere, and with the look-alikes I, L (for 1) and O (for 0); in a logged URL
  the whitespace arrives as `%20` or `+`. So:
  - the path segment after `coupons/` is always masked, whatever its separators (one that is not a
    code becomes `[redacted]`);
  - anywhere else, 16 code characters flanked by no letter, digit or `_`, written without separators
    or split only between groups of four, by dashes, `+`, percent-escapes or whitespace (across
    whitespace only as four groups or when they hold a digit: every 16-letter stretch of prose would
    go otherwise), and the printed shape `XXXX-XXXX-XXXX-XXXX` even inside a longer word;
  - where such matches overlap, all of them (a code next to code-like words is masked with them).
  Left alone: a code split inside a group outside a coupon path (a slug such as `realme-x2-6gb-128gb`
  would look like one), longer and shorter runs such as `cpn_…`/`exc_…` ids (the `_` keeps them
  whole), request ids (32 hex digits), UUIDs (event ids) and W3C traceparents.
- **IMEIs**, 15 digits, also written with dashes, spaces, slashes, `+` or percent-escapes between any
  of them, keep only their last four digits: `***********1481`.
- **Tokens, signatures and secrets** are removed: JWTs, what follows `Bearer`, the value after any key
  naming a secret, password, token, signature, API key, authorization or credential (and `v1=` of an
  `X-Signature`), and any run of 64 or more hex digits (an HMAC-SHA256 signature).

The JSON formatter redacts the message, the exception, the request id and every extra field before it
encodes the line, and drops the value of any extra field whose name marks it as secret.
"""

import logging
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# --- tokens, signatures and secrets ----------------------------------------------------------------------------

_SECRET_WORDS = r"secret|passw(?:or)?d|token|signature|api[_-]?key|authori[sz]ation|credential"
_SECRET_HINTS = ("secret", "passw", "token", "signature", "key", "authori", "credential")
_SENSITIVE_KEY = re.compile(_SECRET_WORDS, re.IGNORECASE)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(bearer\s+)\S+", re.IGNORECASE)
_KEY_VALUE = re.compile(
    rf"((?:{_SECRET_WORDS})[\w-]{{0,64}}|v1(?<![\w-]v1))([\"']?\s*[=:]\s*[\"']?)[^\s\"',&]+", re.IGNORECASE
)
_V1_KEY = re.compile(r"v1(?<![\w-]v1)[\"']?\s*[=:]", re.IGNORECASE)
_HEX = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64,}(?![0-9A-Fa-f])")


def _remove_secrets(text: str) -> str:
    if "eyJ" in text:
        text = _JWT.sub("[jwt]", text)
    lower = text.lower()
    if "bearer" in lower:
        text = _BEARER.sub(r"\1[redacted]", text)
    if any(hint in lower for hint in _SECRET_HINTS) or _V1_KEY.search(text):
        text = _KEY_VALUE.sub(r"\1\2[redacted]", text)
    return _HEX.sub("[hex]", text)


# --- coupon codes and IMEIs hidden among separators ------------------------------------------------------------

_ESCAPE = r"%(?:25)*[0-9A-Fa-f]{2}"  # a percent-escape, or one encoded again
_CODE_LENGTH = 16
# Crockford base32 and the look-alikes the coupon service reads as 1 and 0 (coupon.domain.code.normalise).
_CODE_CHARS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ") | frozenset("ILO")
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_MASKED_CODE = "****-****-****-"
_WORD_CHAR = "[0-9A-Za-z_]"  # with `_`, so that `cpn_…` ids stay whole (and are no codes)
_IMEI_LENGTH = 15

# Already masked, or shaped like something that is neither: never split or masked again.
_LEAVE = re.compile(
    r"\*{4}-\*{4}-\*{4}-[0-9A-Za-z]{4}|\*{11}[0-9]{4}"
    r"|(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])"  # a UUID (event ids)
    r"|(?<![0-9a-f-])[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?![0-9a-f-])"  # a W3C traceparent
    r"|(?<![0-9A-Za-z_-])[0-9a-f]{32}(?![0-9A-Za-z_-])"  # a request id (a 15-digit run in one is no IMEI)
)
_MASKED_IMEI = re.compile(r"(\*{11}[0-9]{4})")

Piece = tuple[int, int, str]  # start, end, characters
Judge = Callable[[list[str], bool, bool], float | None]  # pieces, joined across whitespace, whole words → how sure, or None


class _Hidden:
    """Finds one kind of identifier written in pieces with separators between them, and masks it."""

    def __init__(self, length: int, chars: str, separators: str, fits: Callable[[str], bool], judge: Judge, mask: Callable[[str], str]) -> None:
        self.length, self.fits, self.judge, self.mask = length, fits, judge, mask
        # Stretches of text it could hide in (percent-escapes included): cheap to find, and most lines have none.
        self.stretch = re.compile(rf"(?:{chars}|[%0-9A-Fa-f{separators}]|\s){{{length},}}")  # separators end in `-`
        # A stretch's tokens, read left to right so that an escape is never taken for characters: separators
        # (percent-escapes, even double-encoded, count as such), whitespace, pieces; anything else ends a phrase.
        self.token = re.compile(rf"({_ESCAPE}|[{separators}])|(\s+)|({chars}+)|.", re.DOTALL)

    def __call__(self, text: str) -> str:
        return self.stretch.sub(self._stretch, text)

    def _stretch(self, match: re.Match[str]) -> str:
        found = match.group(0)
        spans: list[tuple[int, int, int]] = []
        every: list[Piece] = []
        pieces: list[Piece] = []
        loose: list[bool] = []  # between consecutive pieces: joined across whitespace
        spaced = False
        for token in self.token.finditer(found):
            separator, space, piece = token.groups()
            if piece:
                if pieces:
                    loose.append(spaced)
                pieces.append((token.start(), token.end(), piece))
                every.append(pieces[-1])
                spaced = False
            elif space:
                spaced = True
            elif not separator:  # the phrase ends
                spans += self._phrase(pieces, loose)
                pieces, loose, spaced = [], [], False
        spans += self._phrase(pieces, loose)
        if not spans:
            return found
        out, position = [], 0
        for start, end, shown_end in spans:
            out += [found[position:start], self.mask("".join(p[2] for p in every if start <= p[0] < shown_end))]
            position = end
        out.append(found[position:])
        return "".join(out)

    def _phrase(self, pieces: list[Piece], loose: list[bool]) -> list[tuple[int, int, int]]:
        fit = [self.fits(p[2]) for p in pieces]
        if sum(p[1] - p[0] for p, f in zip(pieces, fit, strict=True) if f) < self.length:
            return []
        return self._spans(pieces, fit, loose)

    def _spans(self, pieces: list[Piece], fit: list[bool], loose: list[bool]) -> list[tuple[int, int, int]]:
        """Spans of consecutive pieces with `length` characters in all that the judge accepts, overlapping ones merged.

        Each span is `(start, end, shown_end)`; `shown_end` ends the match whose last characters stay
        visible: the one the judge is surest of (the last of those).
        """
        spans: list[list] = []  # start, end, shown_end, surest
        count = len(pieces)
        for first in range(count):
            total = 0
            for last in range(first, count):
                if not fit[last]:
                    break
                total += pieces[last][1] - pieces[last][0]
                if total < self.length:
                    continue
                whole_words = (first == 0 or loose[first - 1]) and (last == count - 1 or loose[last])
                sure = self.judge([p[2] for p in pieces[first : last + 1]], any(loose[first:last]), whole_words) if total == self.length else None
                if sure is not None:
                    start, end = pieces[first][0], pieces[last][1]
                    if spans and start < spans[-1][1]:
                        span = spans[-1]
                        span[1] = max(span[1], end)
                        if sure >= span[3]:
                            span[2], span[3] = end, sure
                    else:
                        spans.append([start, end, end, sure])
                break
        return [(s[0], s[1], s[2]) for s in spans]


def _judge_code(pieces: list[str], across_whitespace: bool, whole_words: bool) -> float | None:
    """How sure we are that 16 code characters in these pieces are a code (None: not one)."""
    lengths = [len(p) for p in pieces]
    if lengths == [4, 4, 4, 4] and not across_whitespace:  # the printed shape, even inside a longer word
        return 3
    if not whole_words:  # a stretch of a slug such as redmi-note-9-pro-4gb-64gb
        return None
    boundaries = {sum(lengths[: i + 1]) for i in range(len(lengths) - 1)}
    if not boundaries <= {4, 8, 12}:  # split inside a group: a slug such as realme-x2-6gb-128gb, or prose
        return None
    if lengths == [4, 4, 4, 4]:
        return 2
    if not across_whitespace:
        return 1
    # Words apart must hold a digit, else "exchange accepted" would go; the more of them do, the surer.
    with_digits = sum(any(c.isdigit() for c in p) for p in pieces)
    return with_digits / len(pieces) if with_digits else None


_mask_codes = _Hidden(
    _CODE_LENGTH, _WORD_CHAR, "+-",
    fits=lambda piece: set(piece.upper()) <= _CODE_CHARS,
    judge=_judge_code,
    mask=lambda chars: _MASKED_CODE + chars.upper().translate(_LOOK_ALIKES)[-4:],
)  # fmt: skip
_mask_imeis = _Hidden(
    _IMEI_LENGTH, "[0-9]", "+/-",
    fits=lambda piece: True,
    judge=lambda pieces, across_whitespace, whole_words: 1,
    mask=lambda digits: "*" * 11 + digits[-4:],
)  # fmt: skip

# The path segment after `coupons/`: a code written with any separators (spaces too), else up to the next delimiter.
_COUPON_SEGMENT = re.compile(
    rf"(coupons(?:/|%2F))((?:(?:[-+\s]|{_ESCAPE})*[0-9A-Z]){{{_CODE_LENGTH}}}(?![0-9A-Z_])|(?:(?!%2F)[^/?#\s\"'<>\\&;,])*)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(rf"{_ESCAPE}|[-+\s]")


def _mask_segment(match: re.Match[str]) -> str:
    prefix, segment = match.group(1), match.group(2)
    if not segment or segment[0] in "*[{":  # already masked, or a route template
        return match.group(0)
    raw = _SEPARATORS.sub("", segment).upper()
    if len(raw) == _CODE_LENGTH and set(raw) <= _CODE_CHARS:
        return prefix + _MASKED_CODE + raw.translate(_LOOK_ALIKES)[-4:]
    return prefix + "[redacted]"


def _outside_leave(text: str, change: Callable[[str], str]) -> str:
    """`change` applied to the text outside masked values, UUIDs, traceparents and request ids."""
    out, position = [], 0
    for match in _LEAVE.finditer(text):
        out += [change(text[position : match.start()]), match.group(0)]
        position = match.end()
    out.append(change(text[position:]))
    return "".join(out)


def _mask_identifiers(text: str) -> str:
    masked = _mask_imeis(text)
    if masked != text:  # a masked IMEI is no part of a code: mask codes around the masks only
        return "".join(part if i % 2 else _mask_codes(part) for i, part in enumerate(_MASKED_IMEI.split(masked)))
    return _mask_codes(text)


def redact(text: str) -> str:
    """Mask identifiers and secrets in any text bound for a log."""
    text = _COUPON_SEGMENT.sub(_mask_segment, _remove_secrets(text))
    return _outside_leave(text, _mask_identifiers)


def _safe(key: str, value: object) -> object:
    """A log field's value with nothing sensitive in it (numbers stay numbers unless one is an IMEI)."""
    if _SENSITIVE_KEY.search(key):
        return "[redacted]"
    if value is None or isinstance(value, bool | float):
        return value
    text = str(value)
    masked = redact(text)
    return value if isinstance(value, int) and masked == text else masked


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": _safe("request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _safe(key, value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def configure_logging(service: str, level: str = "INFO", access_log: bool = True) -> None:
    """Route the root and uvicorn loggers through the JSON formatter."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = not access_log
    logging.getLogger("aiokafka").setLevel("WARNING")
