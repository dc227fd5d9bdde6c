"""Who may do what in the UI and its API: sign-in, roles, throttling, the audit log.

The rules live in `assistant.users`; this module applies them to Gradio: the
`auth` callable for `launch()`, the signed-in name of an event (`gr.Request.username`),
and the client address of a sign-in (an ASGI middleware, since Gradio's auth
callable is given only a name and a password).
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
from pathlib import Path

import gradio as gr
from fastapi import HTTPException

from assistant.audit import AuditLog
from assistant.users import NEEDS, SignInThrottle, Users, allows

logger = logging.getLogger(__name__)

CLIENT_ADDRESS: contextvars.ContextVar[str] = contextvars.ContextVar("foi_client_address", default="?")
VERBS = {"read": "read the index", "write": "upload, update or remove documents", "admin": "manage users or read the audit log"}
AUDIT_SHOWN = 200


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ClientAddressMiddleware:
    """Pure ASGI middleware: remembers each HTTP request's client address for `Access.sign_in`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = CLIENT_ADDRESS.set((scope.get("client") or ("?",))[0])
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)


class Access:
    """The sign-in and role rules of one served index.

    Args:
        index_dir: Where `users.json` and `audit.jsonl` live.
        required: Whether sign-in is on (accounts exist). Without it every
            visitor may do everything (loopback, or `--no-auth`).
        throttle: Failed sign-in limits per (user, address).
    """

    def __init__(self, index_dir: str | Path, *, required: bool | None = None, throttle: SignInThrottle | None = None):
        self.users = Users(index_dir)
        self.audit = AuditLog(index_dir)
        self.required = self.users.any() if required is None else required
        self.throttle = throttle or SignInThrottle()

    async def sign_in_async(self, name: str, password: str) -> bool:
        """Gradio's `auth` callable: `sign_in` on a worker thread.

        An argon2 verification takes about a second on a busy 2-core machine;
        run on the event loop it would stall every other request meanwhile.
        """
        return await asyncio.to_thread(self.sign_in, name, password, CLIENT_ADDRESS.get())

    def sign_in(self, name: str, password: str, address: str | None = None) -> bool:
        """True to let `name` in (from `address`, default the current request's).

        Raises:
            HTTPException: 429 while (name, address) is throttled after too many failures.
        """
        address = address or CLIENT_ADDRESS.get()
        wait = self.throttle.blocked(name, address)
        if wait:
            logger.warning("sign-in for %r from %s refused: too many failures", name, address)
            raise HTTPException(status_code=429, detail=f"Too many failed sign-ins; try again in {wait:.0f} s.")
        if self.users.verify(name, password):
            self.throttle.succeeded(name, address)
            return True
        self.throttle.failed(name, address)
        logger.warning("failed sign-in for %r from %s", name, address)
        return False

    def user(self, request: gr.Request | None) -> str | None:
        return getattr(request, "username", None) if request is not None else None

    def role(self, request: gr.Request | None) -> str | None:
        """The role of the event's user; "admin" when sign-in is off; None if unknown."""
        if not self.required:
            return "admin"
        return self.users.role_of(self.user(request))

    def allows(self, request: gr.Request | None, action: str) -> bool:
        return allows(self.role(request), action)

    def require(self, request: gr.Request | None, action: str) -> None:
        """Raise a gr.Error naming the missing role unless the event's user may do `action`."""
        if not self.allows(request, action):
            who = self.user(request) or "this visitor"
            role = self.role(request) or "no role"
            raise gr.Error(f"{who} ({role}) may not {VERBS[action]}: that needs the {NEEDS[action]} role", print_exception=False)

    def record(self, request: gr.Request | None, action: str, targets: list[str], **details) -> None:
        """Append an audit entry for the event's user."""
        self.audit.record(self.user(request), action, targets, **details)
