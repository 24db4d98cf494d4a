"""IP truncation, user-agent reduction, keyed tokens and URL rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearsight.privacy.network import UserAgent, reduce_user_agent, truncate_ip
from clearsight.privacy.tokenize import is_token, tokenize
from clearsight.privacy.urlrules import glob_to_regex, matches_any


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.57", "203.0.113.0"),
        (" 198.51.100.255 ", "198.51.100.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("[2001:db8:1:2::1]", "2001:db8:1::"),
        ("fe80::1%eth0", "fe80::"),
        ("::ffff:198.51.100.7", "198.51.100.0"),
        ("not an ip", None),
        ("", None),
    ],
)
def test_truncate_ip(ip: str, expected: str | None) -> None:
    assert truncate_ip(ip) == expected


def test_drop_ip_and_bad_mode() -> None:
    assert truncate_ip("203.0.113.57", "drop") is None
    with pytest.raises(ValueError, match="truncate"):
        truncate_ip("203.0.113.57", "keep")  # type: ignore[arg-type]


@given(st.ip_addresses())
def test_truncated_ip_is_its_own_network(ip: object) -> None:
    once = truncate_ip(str(ip))
    assert once is not None and truncate_ip(once) == once


UAS = {
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1": ("Mobile Safari", "17", "iOS", "mobile"),
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1": ("Mobile Safari", "16", "iOS", "tablet"),
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36": ("Chrome Mobile", "124", "Android", "mobile"),
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36": ("Chrome", "120", "Android", "tablet"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0": ("Edge", "126", "Windows", "desktop"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0": (
        "Firefox",
        "127",
        "Mac OS X",
        "desktop",
    ),
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": (
        "Googlebot",
        "2",
        "Other",
        "bot",
    ),
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.0.0 Safari/537.36": ("HeadlessChrome", "126", "Linux", "bot"),
    "": ("Other", "", "Other", "desktop"),
}


@pytest.mark.parametrize(("ua", "expected"), UAS.items())
def test_reduce_user_agent(ua: str, expected: tuple[str, str, str, str]) -> None:
    assert reduce_user_agent(ua) == UserAgent(*expected)


def test_tokens_are_stable_keyed_and_idempotent() -> None:
    token = tokenize(b"project-a", "cust_000123")
    assert token == tokenize(b"project-a", "cust_000123")
    assert token != tokenize(b"project-b", "cust_000123")
    assert token != tokenize(b"project-a", "cust_000124")
    assert is_token(token) and token.startswith("tok_") and len(token) == 28
    assert tokenize(b"project-a", token) == token
    assert tokenize(b"project-b", token) == token
    with pytest.raises(ValueError, match="secret"):
        tokenize(b"", "x")


@given(st.binary(min_size=1, max_size=64), st.text())
def test_tokenize_twice_is_once(secret: bytes, value: str) -> None:
    once = tokenize(secret, value)
    assert tokenize(secret, once) == once and is_token(once)


@pytest.mark.parametrize(
    ("patterns", "url", "expected"),
    [
        (["/account/statements/*"], "https://bank.test/account/statements/2024-03", True),
        (["/account/statements/*"], "/account/statements/2024/03", False),
        (["/account/statements/*"], "/account/statements/", True),
        (["/account/**"], "/account", True),
        (["/account/**"], "/account/cards/1/pin?x=1#top", True),
        (["/account/**"], "/accounts", False),
        (["/**/edit"], "/edit", True),
        (["/loans/**/edit"], "/loans/a/b/edit", True),
        (["/loans/*/edit"], "/loans/a/b/edit", False),
        (["/a.b/*"], "/aXb/c", False),
        (["/help", "/account/*"], "https://bank.test/help", True),
        ([], "/anything", False),
        (["/*"], "https://bank.test", True),
    ],
)
def test_url_rules(patterns: list[str], url: str, expected: bool) -> None:
    assert matches_any(patterns, url) is expected


def test_url_rule_errors_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        glob_to_regex("account/*")
