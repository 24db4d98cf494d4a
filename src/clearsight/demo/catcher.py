"""A loopback HTTPS stand-in for the fake origin, for requests routing cannot see.

Playwright's request interception does not see requests a page makes while it
unloads: the capture script's pagehide beacons and keepalive fetches go
straight to the network. Chromium is told to resolve the fake origin's host to
this server (``--host-resolver-rules``), which keeps those bodies, byte for
byte, keyed by the session id inside them. Everything else is still answered
by routing in ``origin.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from ssl import PROTOCOL_TLS_SERVER, SSLContext
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _self_signed(host: str, directory: Path) -> tuple[Path, Path]:
    """A one-day certificate for host; Chromium is told to accept it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class UnloadCatcher:
    """Collects ingest bodies sent while pages unload, for every browser context at once."""

    def __init__(self, origin: str) -> None:
        self.host = urlsplit(origin).hostname or ""
        self._lock = threading.Lock()
        self._by_sid: dict[str, list[bytes]] = {}
        self._last: dict[str, float] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="clearsight-demo-")
        cert, key = _self_signed(self.host, Path(self._tmp.name))
        tls = SSLContext(PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def chromium_args(self) -> list[str]:
        return [
            f"--host-resolver-rules=MAP {self.host} 127.0.0.1:{self.port}",
            # The certificate is self-signed and made for this run only.
            "--ignore-certificate-errors",
        ]

    def _keep(self, path: str, body: bytes) -> None:
        if path != "/api/v1/ingest":
            return  # consent decisions are not recorded sessions
        try:
            sid = str(json.loads(body).get("sid", ""))
        except (ValueError, AttributeError):
            sid = ""
        with self._lock:
            self._by_sid.setdefault(sid, []).append(body)
            self._last[sid] = time.monotonic()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                catcher._keep(urlsplit(self.path).path, self.rfile.read(length))
                payload = b'{"ok":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the generator prints its own progress

        return Handler

    def last_at(self, sids: set[str]) -> float:
        with self._lock:
            return max((self._last.get(s, 0.0) for s in sids), default=0.0)

    def take(self, sids: set[str]) -> list[bytes]:
        """Remove and return the bodies of the given sessions."""
        with self._lock:
            out: list[bytes] = []
            for sid in sids:
                out += self._by_sid.pop(sid, [])
            return out

    def unclaimed(self) -> dict[str, int]:
        """Sessions nobody took: a body from a session the generator doesn't know about."""
        with self._lock:
            return {sid: len(bodies) for sid, bodies in self._by_sid.items()}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._tmp.cleanup()
