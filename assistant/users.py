"""Accounts for `foi serve`: names, roles and argon2 password hashes in the index directory.

The file (`users.json`, mode 0600) holds no password, only argon2id hashes
(argon2-cffi: salted, memory-hard). Roles nest: a reader asks, searches,
compares and views; an editor also uploads, updates and removes; an admin also
manages users and reads the audit log.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.errors import UserError
from assistant.users_roles import ROLES

USERS_NAME = "users.json"
# What each action needs, at least.
NEEDS = {"read": "reader", "write": "editor", "admin": "admin"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """One account: its name and role (the hash stays in the file)."""

    name: str
    role: str

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


def allows(role: str | None, action: str) -> bool:
    """True if `role` may do `action` ("read", "write" or "admin")."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(NEEDS[action])


class Users:
    """The accounts of one index directory."""

    def __init__(self, index_dir: str | Path):
        self.path = Path(index_dir) / USERS_NAME
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {self.path}: {exc}") from None
        return {entry["name"]: entry for entry in data.get("users", [])}

    def _write(self, users: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        # Created 0600 from the start: the hashes are never readable by others, even briefly.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"users": sorted(users.values(), key=lambda u: u["name"])}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def any(self) -> bool:
        """True once any account exists (then sign-in is required on every address)."""
        return bool(self._read())

    def list(self) -> list[User]:
        """Every account, by name."""
        return [User(e["name"], e["role"]) for e in sorted(self._read().values(), key=lambda e: e["name"])]

    def role_of(self, name: str | None) -> str | None:
        """The role of account `name`, or None."""
        entry = self._read().get(name or "")
        return entry["role"] if entry else None

    def add(self, name: str, role: str, password: str) -> User:
        """Create or update account `name` with `role` and `password`.

        Raises:
            UserError: A name with unusual characters, an unknown role, a password under 8 characters.
        """
        if not _NAME.match(name or ""):
            raise UserError(f"user name {name!r} must be 1-64 letters, digits, '.', '_', '@' or '-'")
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)} (not {role!r})")
        if len(password) < MIN_PASSWORD:
            raise UserError(f"password must have at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self._read()
            users[name] = {"name": name, "role": role, "hash": self._hasher.hash(password)}
            self._write(users)
        return User(name, role)

    def remove(self, name: str) -> None:
        """Delete account `name`. Raises UserError if there is none."""
        with self._lock:
            users = self._read()
            if name not in users:
                raise UserError(f"no user named {name!r}")
            del users[name]
            self._write(users)

    def verify(self, name: str, password: str) -> bool:
        """True if `password` is account `name`'s (constant work for unknown names too)."""
        entry = self._read().get(name)
        try:
            return self._hasher.verify(entry["hash"] if entry else _DUMMY_HASH, password) and entry is not None
        except (VerificationError, InvalidHashError):
            return False


_DUMMY_HASH = PasswordHasher().hash("not a password of anyone")


class SignInThrottle:
    """Failed sign-ins, counted per (user, address): after `limit` in `window` seconds,
    that pair is refused, even with the right password, until `lockout` seconds pass."""

    def __init__(self, limit: int = 5, window: float = 300.0, lockout: float = 60.0, clock=time.monotonic):
        self.limit, self.window, self.lockout = limit, window, lockout
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, name: str, address: str) -> float:
        """Seconds until (name, address) may try again; 0 if it may now."""
        now = self._clock()
        with self._lock:
            failures = self._failures.get((name, address))
            if not failures:
                return 0.0
            while failures and now - failures[0] > max(self.window, self.lockout):
                failures.popleft()
            if len(failures) >= self.limit:
                return max(0.0, failures[-1] + self.lockout - now)
            return 0.0

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            self._failures[(name, address)].append(self._clock())

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name, address), None)
