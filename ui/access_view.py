"""What each role sees: the signed-in line, the editing controls, the admins' audit log."""

from __future__ import annotations

import gradio as gr

from ui.access import AUDIT_SHOWN, Access
from ui.render import esc


def role_view(access: Access, request: gr.Request | None) -> tuple:
    """Updates for (signed-in line, upload/update row, remove box, audit tab, audit log) on page load."""
    can_write = access.allows(request, "write")
    is_admin = access.required and access.allows(request, "admin")
    user = access.user(request)
    line = (
        f'<div class="foi-note" id="foi-signed-in">Signed in as <strong>{esc(user)}</strong> '
        f'({esc(access.role(request) or "no role")}) · <a href="/logout">Sign out</a></div>'
        if access.required and user else ""
    )
    return (
        line,
        gr.Row(visible=can_write),
        gr.Group(visible=can_write),
        gr.Tab(visible=is_admin),
        audit_view(access, request) if is_admin else "",
    )


def audit_view(access: Access, request: gr.Request | None) -> str:
    """The last audit entries, newest first, as an escaped HTML table (admins only)."""
    if not access.allows(request, "admin"):
        return '<div class="foi-error">The audit log is shown to admins only.</div>'
    entries = access.audit.entries(last=AUDIT_SHOWN)
    if not entries:
        return '<div class="foi-empty">No uploads, updates or removals yet.</div>'
    rows = "".join(
        f"<tr><td>{esc(e.get('time'))}</td><td>{esc(e.get('user'))}</td><td>{esc(e.get('action'))}</td>"
        f"<td>{esc('; '.join(e.get('targets') or []))}</td></tr>"
        for e in reversed(entries)
    )
    return (
        '<div class="foi-files"><table><thead><tr><th>when (UTC)</th><th>who</th><th>action</th><th>what</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )
