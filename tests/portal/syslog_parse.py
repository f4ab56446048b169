"""A strict RFC 5424 parser for the SIEM tests: a message that does not follow the grammar fails.

Only what the portal writes is accepted: exactly one SD-ELEMENT, and a MSG that starts with the
UTF-8 BOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER = re.compile(
    rb"<(?P<pri>[0-9]{1,3})>(?P<version>[1-9][0-9]{0,2}) (?P<timestamp>\S+) (?P<hostname>\S+) "
    rb"(?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
SD_NAME = re.compile(rb"[!#-~]{1,32}")  # PRINTUSASCII except "=", SP, "]", '"'
BOM = b"\xef\xbb\xbf"


@dataclass
class Syslog:
    pri: int
    version: int
    timestamp: str
    hostname: str
    app: str
    procid: str
    msgid: str
    sd_id: str
    params: dict[str, str]
    msg: str | None


def _printusascii(field: bytes, limit: int) -> str:
    assert 1 <= len(field) <= limit and all(33 <= b <= 126 for b in field), field
    return field.decode("ascii")


def _sd_name(data: bytes, at: int, stops: bytes) -> tuple[str, int]:
    end = at
    while end < len(data) and data[end : end + 1] not in (b"=", b" ", b"]", b'"'):
        end += 1
    name = data[at:end]
    assert SD_NAME.fullmatch(name), f"bad SD-NAME {name!r}"
    assert data[end : end + 1] in [stops[i : i + 1] for i in range(len(stops))], data[end:]
    return name.decode("ascii"), end


def _param_value(data: bytes, at: int) -> tuple[str, int]:
    """From after the opening quote to after the closing one, undoing the three escapes."""
    out = bytearray()
    while True:
        ch = data[at : at + 1]
        assert ch, "unterminated PARAM-VALUE"
        if ch == b"\\" and data[at + 1 : at + 2] in (b'"', b"\\", b"]"):
            out += data[at + 1 : at + 2]
            at += 2
            continue
        assert ch != b"]", "unescaped ] in PARAM-VALUE"
        if ch == b'"':
            return out.decode("utf-8"), at + 1
        out += ch
        at += 1


def parse(message: bytes) -> Syslog:
    head = HEADER.match(message)
    assert head, f"not an RFC 5424 header: {message[:80]!r}"
    pri = int(head["pri"])
    assert 0 <= pri <= 191
    timestamp = head["timestamp"].decode("ascii")
    assert TIMESTAMP.fullmatch(timestamp), timestamp
    at = head.end()
    assert message[at : at + 1] == b"[", "one SD-ELEMENT expected"
    sd_id, at = _sd_name(message, at + 1, b" ]")
    params: dict[str, str] = {}
    while message[at : at + 1] == b" ":
        name, at = _sd_name(message, at + 1, b"=")
        assert message[at + 1 : at + 2] == b'"', "PARAM-VALUE must be quoted"
        value, at = _param_value(message, at + 2)
        assert name not in params, f"{name} twice"
        params[name] = value
    assert message[at : at + 1] == b"]", "SD-ELEMENT not closed"
    rest = message[at + 1 :]
    msg = None
    if rest:
        assert rest.startswith(b" " + BOM), "MSG must be SP BOM UTF-8"
        msg = rest[1 + len(BOM) :].decode("utf-8")
    return Syslog(
        pri=pri,
        version=int(head["version"]),
        timestamp=timestamp,
        hostname=_printusascii(head["hostname"], 255),
        app=_printusascii(head["app"], 48),
        procid=_printusascii(head["procid"], 128),
        msgid=_printusascii(head["msgid"], 32),
        sd_id=sd_id,
        params=params,
        msg=msg,
    )
