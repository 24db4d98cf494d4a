"""Network data reduced before storage: IP prefixes and coarse user agents.

A full IP address and user-agent string identify a visitor far better than
analysis needs. We keep the /24 (IPv4) or /48 (IPv6) network, enough for
rough geography and abuse grouping, and from the user agent only the
browser, its major version, the OS family and a device class.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Literal

import msgspec
from ua_parser import parse as parse_ua

from clearsight.events import Batch
from clearsight.store.control import Project

IpMode = Literal["truncate", "drop"]
DeviceClass = Literal["mobile", "tablet", "desktop", "bot"]

_V4_PREFIX = 24
_V6_PREFIX = 48


def truncate_ip(ip: str, mode: IpMode = "truncate") -> str | None:
    """The address's network: 203.0.113.0 for 203.0.113.57, 2001:db8:85a3::
    for any address in 2001:db8:85a3::/48. None when dropping, and for input
    that is not an IP address (it cannot be reduced, so it is not kept)."""
    if mode == "drop":
        return None
    if mode != "truncate":
        raise ValueError(f"unknown IP mode {mode!r}: use 'truncate' or 'drop'")
    text = ip.strip().strip("[]").split("%", 1)[0]  # brackets and IPv6 zone ids
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = _V4_PREFIX if addr.version == 4 else _V6_PREFIX
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


class UserAgent(msgspec.Struct, frozen=True):
    browser: str
    browser_major: str
    os: str
    device_class: DeviceClass


# Checked in order; each says why the class applies.
_BOT = re.compile(
    r"bot\b|crawl|spider|slurp|headless|lighthouse|preview|monitor|curl/|python-|"
    r"java/|go-http-client|okhttp|wget",
    re.I,
)  # automation, not a visitor
_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|nexus (?:7|9|10)\b|sm-t\d", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|windows phone|blackberry|opera mini", re.I)
_ANDROID = re.compile(r"android", re.I)


def _device_class(ua: str, device_family: str) -> DeviceClass:
    if device_family == "Spider" or _BOT.search(ua):
        return "bot"
    if _TABLET.search(ua):
        return "tablet"
    if _MOBILE.search(ua):
        return "mobile"
    if _ANDROID.search(ua):  # Android without "Mobile" is a tablet by Google's convention
        return "tablet"
    return "desktop"


@lru_cache(maxsize=2048)
def reduce_user_agent(ua: str) -> UserAgent:
    """Browser family and major version, OS family, device class."""
    result = parse_ua(ua)
    browser = result.user_agent.family if result.user_agent else "Other"
    major = (result.user_agent.major or "") if result.user_agent else ""
    os_family = result.os.family if result.os else "Other"
    device = result.device.family if result.device else "Other"
    return UserAgent(browser, major, os_family, _device_class(ua, device))


_FIELD = b'"ua":'
_encode_str = msgspec.json.Encoder().encode


def strip_user_agent(body: bytes, batch: Batch, project: Project) -> bytes:
    """A body filter: the batch's full ``ua`` is not stored, only its reduction
    (the session's device, browser and OS, taken from the decoded batch)."""
    if not batch.ua:
        return body
    field = _FIELD + _encode_str(batch.ua)
    at = body.rfind(field)  # the envelope's own field is the last one
    if at < 0:
        return _encode_str(msgspec.structs.replace(_decode_batch(body), ua=""))
    return body[:at] + _FIELD + b'""' + body[at + len(field) :]


def _decode_batch(body: bytes) -> Batch:
    return msgspec.json.decode(body, type=Batch)
