"""Encryption at rest for what could put a person in danger if a database dump leaked: the contacts,
name and story in a request for help, and the messages about it; the contacts of a delegation's head.

Fernet (AES-128 in CBC mode with an HMAC) with a key from DATA_KEY (generated into instance/ in
development, required in production). Values are decrypted when read through the app; searching
inside them is neither needed nor possible."""
import hashlib
import hmac
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import types

from diaspora.config import instance_secret

_fernet: MultiFernet | None = None
_hash_keys: list[bytes] = []


def init_app(app) -> None:
    """DATA_KEY may list several keys separated by spaces: the first encrypts, all decrypt (rotation)."""
    global _fernet, _hash_keys
    keys = (app.config.get("DATA_KEY") or "").split()
    if not keys:
        if app.config.get("ENV_NAME") == "production":
            raise RuntimeError("DATA_KEY must be set in production: generate one with python -c "
                               "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")
        keys = [_testing_key() if app.config.get("TESTING") else
                instance_secret(app.instance_path, "data_key", lambda: Fernet.generate_key().decode())]
    _fernet = MultiFernet([Fernet(key.encode()) for key in keys])
    _hash_keys = [hashlib.sha256(b"lookup:" + key.encode()).digest() for key in keys]


def _cipher() -> MultiFernet:
    if _fernet is None:
        raise RuntimeError("encrypted columns used before crypto.init_app(): create the app first")
    return _fernet


_TESTING_KEY: str | None = None


def _testing_key() -> str:
    # one per test process: apps created by different tests must read each other's rows
    global _TESTING_KEY
    if _TESTING_KEY is None:
        _TESTING_KEY = Fernet.generate_key().decode()
    return _TESTING_KEY


def keyed_hashes(value: str) -> list[str]:
    """HMAC-SHA256 of `value` under each DATA_KEY (the first one's to store): an encrypted value that must
    be found again (a Telegram chat's id) is looked up by these. Keyed, since a short number is guessed
    from a plain hash in seconds; one per key, so rows written before a rotation are still found."""
    _cipher()
    return [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in _hash_keys]


def encrypt(value: str) -> str:
    """`value` as stored in an EncryptedText column (a migration encrypting existing rows uses it too)."""
    return _cipher().encrypt(str(value).encode()).decode()


def decrypt(value: str) -> str:
    """What encrypt() stored; InvalidToken when no DATA_KEY opens it."""
    return _cipher().decrypt(value.encode()).decode()


class EncryptedText(types.TypeDecorator):
    """Text stored encrypted (see the module docstring)."""

    impl = types.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return decrypt(value)
        except InvalidToken:
            # a key that is gone (or a wrong DATA_KEY): shown as missing, not garbled, and said loudly
            logging.getLogger(__name__).error(
                "A value could not be decrypted: is DATA_KEY the key it was written with?")
            return None

