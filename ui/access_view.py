"""What each role sees: the signed-in line, the editing controls, the admins' audit log."""

from __future__ import annotations

import gradio as gr

from assistant.errors import UserError
from assistant.users import ROLES
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


def users_view(access: Access, request: gr.Request | None) -> str:
    """The accounts and their roles, as an escaped HTML table (admins only)."""
    if not access.allows(request, "admin"):
        return ""
    rows = "".join(f"<tr><td>{esc(u.name)}</td><td>{esc(u.role)}</td></tr>" for u in access.users.list())
    return f'<div class="foi-files"><table><thead><tr><th>user</th><th>role</th></tr></thead><tbody>{rows}</tbody></table></div>'


def admin_tab(access: Access, private: dict) -> tuple[gr.Tab, gr.HTML]:
    """The Audit tab: the audit log, and the accounts with add/remove; hidden unless an admin signs in.

    Returns:
        The tab and its audit-log HTML (both updated on page load by `role_view`).
    """
    with gr.Tab("Audit", id="audit", visible=False) as tab:
        log = gr.HTML(elem_id="foi-audit")
        refresh = gr.Button("Refresh", size="sm")
        accounts = gr.HTML(elem_id="foi-users")
        with gr.Row():
            name = gr.Textbox(label="User", elem_id="foi-user-name")
            role = gr.Dropdown(label="Role", choices=list(ROLES), value="reader", elem_id="foi-user-role")
            password = gr.Textbox(label="Password", type="password", elem_id="foi-user-password")
        with gr.Row():
            add = gr.Button("Add or update user", size="sm", elem_id="foi-user-add")
            remove = gr.Button("Remove user", size="sm", variant="stop", elem_id="foi-user-remove")
        status = gr.HTML(elem_id="foi-user-status")

        def on_refresh(request: gr.Request):
            return audit_view(access, request), users_view(access, request)

        def on_add(user: str, chosen: str, secret: str, request: gr.Request):
            access.require(request, "admin")
            try:
                access.users.add(user.strip(), chosen, secret)
            except UserError as exc:
                return f'<div class="foi-error">{esc(exc)}</div>', gr.skip(), gr.skip()
            access.record(request, "add user", [user.strip()], role=chosen)
            return f'<div class="foi-note">saved {esc(user.strip())} ({esc(chosen)})</div>', users_view(access, request), ""

        def on_remove(user: str, request: gr.Request):
            access.require(request, "admin")
            if user.strip() == access.user(request):
                return '<div class="foi-error">you cannot remove your own account here</div>', gr.skip()
            try:
                access.users.remove(user.strip())
            except UserError as exc:
                return f'<div class="foi-error">{esc(exc)}</div>', gr.skip()
            access.record(request, "remove user", [user.strip()])
            return f'<div class="foi-note">removed {esc(user.strip())}</div>', users_view(access, request)

        refresh.click(on_refresh, None, [log, accounts], **private)
        tab.select(on_refresh, None, [log, accounts], **private)
        add.click(on_add, [name, role, password], [status, accounts, password], **private)
        remove.click(on_remove, [name], [status, accounts], **private)
    return tab, log
