"""Envelope encryption: per-session data keys under per-project key-encryption keys.

Each session gets two 256-bit data keys, ``replay`` and ``text``, made when its
first sealed bytes are written. They are stored only wrapped (AES-256-GCM) by
the project's key-encryption key (KEK), which never enters the database: it
comes from a ``KeySource``:

- ``file``: one random key file per KEK under ``keys_dir`` (mode 0600);
- ``env``: KEKs derived with HKDF-SHA256 from ``CLEARSIGHT_MASTER_KEY``
  (base64 of 32 bytes), so nothing secret is on disk at all;
- ``module:factory``: a KMS adapter returning an object with the ``Kms``
  methods (wrap and unwrap happen inside the KMS).

Rotation makes a new KEK and re-wraps every data key under it; sealed data is
not touched, so it runs while the server serves. Deleting a data key
(crypto-shredding) makes what it sealed unreadable for good.
"""

from __future__ import annotations

import base64
import importlib
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clearsight.errors import ConfigError
from clearsight.store.control import ControlPlane

KINDS = ("replay", "text")
_NONCE = 12


class Kms(Protocol):
    """What a KMS adapter provides. Keys never leave the KMS."""

    def create_key(self, project: str) -> str: ...

    def encrypt(self, key_ref: str, plaintext: bytes, aad: bytes) -> bytes: ...

    def decrypt(self, key_ref: str, ciphertext: bytes, aad: bytes) -> bytes: ...


class LocalKms:
    """A ``Kms`` whose keys are 32-byte secrets looked up by a function."""

    def __init__(self, lookup: Callable[[str], bytes], make: Callable[[str], str]) -> None:
        self._lookup = lookup
        self._make = make

    def create_key(self, project: str) -> str:
        return self._make(project)

    def encrypt(self, key_ref: str, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(self._lookup(key_ref)).encrypt(nonce, plaintext, aad)

    def decrypt(self, key_ref: str, ciphertext: bytes, aad: bytes) -> bytes:
        return AESGCM(self._lookup(key_ref)).decrypt(ciphertext[:_NONCE], ciphertext[_NONCE:], aad)


def file_kms(keys_dir: Path) -> LocalKms:
    folder = keys_dir / "kek"

    def make(project: str) -> str:
        ref = f"{project}.{secrets.token_hex(6)}"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(folder / f"{ref}.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
        return ref

    def lookup(ref: str) -> bytes:
        path = folder / f"{ref}.key"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"key-encryption key {path} is missing") from None

    return LocalKms(lookup, make)


def env_kms(environ: dict[str, str] | None = None) -> LocalKms:
    raw = (environ if environ is not None else os.environ).get("CLEARSIGHT_MASTER_KEY", "")
    try:
        master = base64.b64decode(raw, validate=True)
    except ValueError:
        master = b""
    if len(master) != 32:
        raise ConfigError(
            "key_source 'env' needs CLEARSIGHT_MASTER_KEY: base64 of 32 random "
            "bytes (e.g. `openssl rand -base64 32`)"
        )

    def lookup(ref: str) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=None, info=ref.encode()).derive(master)

    return LocalKms(lookup, lambda project: f"{project}.{secrets.token_hex(6)}")


def load_kms(source: str, keys_dir: Path) -> Kms:
    if source == "file":
        return file_kms(keys_dir)
    if source == "env":
        return env_kms()
    module, _, factory = source.partition(":")
    if not module or not factory:
        raise ConfigError(f"key_source {source!r}: use 'file', 'env' or 'package.module:factory'")
    try:
        made: Kms = getattr(importlib.import_module(module), factory)()
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"key_source {source!r}: cannot load the KMS adapter ({exc})") from None
    return made


@dataclass(frozen=True)
class Rotation:
    project: str
    old: str | None
    new: str
    rewrapped: int


class Shredded(KeyError):
    """The data key is gone: what it sealed cannot be read any more."""


class Keyring:
    """Data keys for sealing, cached; wrapping and unwrapping go through the KMS."""

    def __init__(self, control: ControlPlane, kms: Kms, *, cache_size: int = 4096) -> None:
        self.control = control
        self.kms = kms
        self._cache: OrderedDict[tuple[str, str, str], AESGCM] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @staticmethod
    def _aad(project: str, sid: str, kind: str, kek: str) -> bytes:
        return f"{project}\0{sid}\0{kind}\0{kek}".encode()

    def current_kek(self, project: str) -> str:
        found = self.control.keys.current_kek(project)
        if found is not None:
            return found[0]
        kek = self.kms.create_key(project)
        self.control.keys.set_current_kek(project, kek)
        return self.control.keys.current_kek(project)[0]  # type: ignore[index]

    def key(self, project: str, sid: str, kind: str, *, create: bool) -> AESGCM:
        slot = (project, sid, kind)
        with self._lock:
            if (cached := self._cache.get(slot)) is not None:
                self._cache.move_to_end(slot)
                return cached
        stored = self.control.keys.get(project, sid, kind)
        if stored is None:
            if not create:
                raise Shredded(f"no {kind} key for this session")
            kek = self.current_kek(project)
            wrapped = self.kms.encrypt(kek, os.urandom(32), self._aad(project, sid, kind, kek))
            # Another writer may have won the race: use whichever key was stored.
            self.control.keys.put_if_absent(project, sid, kind, kek, wrapped)
            stored = self.control.keys.get(project, sid, kind)
            assert stored is not None
        kek, wrapped = stored
        aead = AESGCM(self.kms.decrypt(kek, wrapped, self._aad(project, sid, kind, kek)))
        self._remember(slot, aead)
        return aead

    def ensure(self, pairs: list[tuple[str, str]], kind: str) -> None:
        """Have the data keys of many sessions at hand: read the stored ones in one query
        per project, create the missing ones in one transaction (one fsync), and keep
        them all in the cache so that sealing needs no further round trip."""
        with self._lock:
            wanted = sorted({(p, s) for p, s in pairs if (p, s, kind) not in self._cache})
        by_project: dict[str, list[str]] = {}
        for project, sid in wanted:
            by_project.setdefault(project, []).append(sid)
        for project, sids in by_project.items():
            stored = self.control.keys.get_many(project, sids, kind)
            missing = [sid for sid in sids if sid not in stored]
            made: dict[str, tuple[bytes, bytes]] = {}  # sid → (wrapped, data key) made here
            if missing:
                kek = self.current_kek(project)
                for sid in missing:
                    dek = os.urandom(32)
                    made[sid] = (
                        self.kms.encrypt(kek, dek, self._aad(project, sid, kind, kek)),
                        dek,
                    )
                self.control.keys.put_many_if_absent(
                    [(project, sid, kind, kek, wrapped) for sid, (wrapped, _) in made.items()]
                )
                # Another writer may have won a race: read back whichever keys were kept.
                stored = self.control.keys.get_many(project, sids, kind)
            for sid, (kek_id, wrapped) in stored.items():
                ours = made.get(sid)
                if ours is not None and ours[0] == wrapped:
                    dek = ours[1]  # the key this call wrapped: no need to unwrap it again
                else:
                    dek = self.kms.decrypt(kek_id, wrapped, self._aad(project, sid, kind, kek_id))
                self._remember((project, sid, kind), AESGCM(dek))

    def _remember(self, slot: tuple[str, str, str], aead: AESGCM) -> None:
        with self._lock:
            self._cache[slot] = aead
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def shred(self, project: str, sids: list[str], kinds: tuple[str, ...] = KINDS) -> int:
        with self._lock:
            for sid in sids:
                for kind in kinds:
                    self._cache.pop((project, sid, kind), None)
        return self.control.keys.shred(project, sids, kinds)

    def rotate(self, project: str, progress: Callable[[int], None] | None = None) -> Rotation:
        old = self.control.keys.current_kek(project)
        new = self.kms.create_key(project)
        self.control.keys.set_current_kek(project, new)
        done = 0
        for kek in [k for k in self.control.keys.count_by_kek(project) if k != new]:
            while batch := self.control.keys.wrapped_by(project, kek, 500):
                for sid, kind, wrapped in batch:
                    dek = self.kms.decrypt(kek, wrapped, self._aad(project, sid, kind, kek))
                    rewrapped = self.kms.encrypt(new, dek, self._aad(project, sid, kind, new))
                    self.control.keys.rewrap(project, sid, kind, kek, new, rewrapped)
                done += len(batch)
                if progress:
                    progress(len(batch))
        return Rotation(project, old[0] if old else None, new, done)


class EncryptingSealer:
    """AES-256-GCM with the session's data keys; the AAD binds bytes to their session."""

    codec = "zstd+aes256gcm"

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def prepare(
        self, sessions: list[tuple[str, str]], text: list[tuple[str, str]] | None = None
    ) -> None:
        self.keyring.ensure(sessions, "replay")
        if text:
            self.keyring.ensure(text, "text")

    def seal(self, project: str, sid: str, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        aead = self.keyring.key(project, sid, "replay", create=True)
        return nonce + aead.encrypt(nonce, data, f"{project}\0{sid}".encode())

    def open(self, project: str, sid: str, codec: str, data: bytes) -> bytes:
        if codec == "zstd":
            return data  # written before encryption was turned on
        if codec != self.codec:
            raise ValueError(f"unknown chunk codec {codec!r}")
        aead = self.keyring.key(project, sid, "replay", create=False)
        try:
            return aead.decrypt(data[:_NONCE], data[_NONCE:], f"{project}\0{sid}".encode())
        except InvalidTag:
            raise ValueError("a replay chunk failed authentication: altered or wrong key") from None

    def seal_text(self, project: str, sid: str, text: str) -> str:
        if not text:
            return text
        nonce = os.urandom(_NONCE)
        aead = self.keyring.key(project, sid, "text", create=True)
        sealed = aead.encrypt(nonce, text.encode(), f"{project}\0{sid}\0text".encode())
        return "enc1:" + base64.b64encode(nonce + sealed).decode()

    def open_text(self, project: str, sid: str, text: str) -> str:
        if not text.startswith("enc1:"):
            return text
        try:
            aead = self.keyring.key(project, sid, "text", create=False)
            raw = base64.b64decode(text[5:])
            return aead.decrypt(
                raw[:_NONCE], raw[_NONCE:], f"{project}\0{sid}\0text".encode()
            ).decode()
        except (Shredded, InvalidTag, ValueError):
            return ""
