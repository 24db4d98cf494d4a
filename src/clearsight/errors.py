"""Every exception clearsight raises on purpose.

::

    ClearsightError
    ├── ConfigError              bad setting or config file; the CLI prints it and exits 2
    ├── Problem                  an HTTP-visible error, rendered as problem+json
    │   ├── BadRequest           400: malformed JSON, schema error, bad query parameter
    │   ├── Unauthorized         401: no credentials / no project key
    │   ├── Forbidden            403: unknown key, origin not allowed, consent missing
    │   ├── NotFound             404
    │   ├── Gone                 410: erased or expired (crypto-shredded)
    │   ├── PayloadTooLarge      413
    │   ├── TooManyRequests      429: log-in rate limit
    │   └── Unavailable          503: the spool cannot take writes (disk full, shutting down)
    └── StoreError               the event store or control plane failed

A ``Problem`` carries a stable machine-readable ``code`` next to the human
``detail``; clients branch on the code, people read the detail.
"""

from __future__ import annotations


class ClearsightError(Exception):
    """Base of all deliberate clearsight errors."""


class ConfigError(ClearsightError):
    """A setting or config file is invalid. The message says which and how to fix it."""


class StoreError(ClearsightError):
    """The event store or control plane failed."""


class Problem(ClearsightError):
    status = 500
    title = "Internal error"

    def __init__(self, code: str, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.headers = headers or {}


class BadRequest(Problem):
    status = 400
    title = "Bad request"


class Unauthorized(Problem):
    status = 401
    title = "Unauthorized"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class NotFound(Problem):
    status = 404
    title = "Not found"


class Gone(Problem):
    status = 410
    title = "Gone"


class PayloadTooLarge(Problem):
    status = 413
    title = "Payload too large"


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"


class Unavailable(Problem):
    status = 503
    title = "Service unavailable"
