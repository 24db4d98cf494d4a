"""What to change on the site for each kind of leak: one row per place a catch can be.

The server masks what the client let through; the lasting fix is on the
client. Each row maps a catch's ``where`` prefix to the rule that stops the
leak at its source. Rows are tried in order; the first whose prefix matches
wins.
"""

from __future__ import annotations

from typing import Any

# (where prefix, fix kind, advice). "{selector}" is replaced by the catch's selector.
ADVICE: tuple[tuple[str, str, str], ...] = (
    # DOM text and attributes, snapshot or mutation: the element needs masking.
    (
        "rrweb.fullsnapshot",
        "mask_selector",
        "add {selector} to mask_selectors (or mark the element data-cs-mask)",
    ),
    ("rrweb.mutation", "mask_selector", "add {selector} to mask_selectors"),
    # Typed values reached the recording: the field needs masking or a safe type.
    ("rrweb.input", "mask_selector", "add {selector} to mask_selectors"),
    # Identifiers in addresses: a link or a redirect carries them.
    ("rrweb.meta", "url", "keep identifiers out of URLs, or add the page to exclude_urls"),
    ("events[].url", "url", "keep identifiers out of URLs, or add the page to exclude_urls"),
    ("events[].ref", "url", "keep identifiers out of URLs (this one was the referrer)"),
    ("events[].title", "page", "keep customer data out of page titles"),
    # Code that logs or throws with customer data.
    ("rrweb.console", "code", "do not log customer data to the browser console"),
    ("events[].msg", "code", "do not put customer data in error messages"),
    # Our own API, called by the site's code.
    ("events[].props", "tokenize", "send no personal data with track(), or tokenize_props it"),
    ("events[].traits", "tokenize", "send no personal data with identify(), or tokenize_traits it"),
    ("events[].answer", "survey", "ask for no personal data in free-text survey answers"),
)
_FALLBACK = ("other", "find where the page puts this value and mask it there")


def advise(where: str, selector: str) -> dict[str, Any]:
    """The fix for one catch: its kind, the selector to add (when there is one), the advice."""
    kind, text = next(((k, t) for p, k, t in ADVICE if where.startswith(p)), _FALLBACK)
    if kind == "mask_selector" and not selector:
        return {"kind": "unknown_element", "mask_selector": "", "advice": _NO_SELECTOR}
    return {
        "kind": kind,
        "mask_selector": selector if kind == "mask_selector" else "",
        "advice": text.replace("{selector}", selector or "the element"),
    }


_NO_SELECTOR = (
    "the element was serialised in an earlier batch; open a session with this incident "
    "and mask the element showing the value"
)
