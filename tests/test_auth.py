"""Sign-in and roles for `foi serve`: accounts, the CLI, the named endpoints over HTTP, the audit log."""

from __future__ import annotations

import json
import stat

import httpx
import pytest
from click.testing import CliRunner

from assistant.api import Assistant
from assistant.cli import main
from assistant.errors import UserError
from assistant.users import SignInThrottle, Users, allows
from tests.test_ui_api import DOCS, fake_embedder_class, free_port

pytest.importorskip("gradio")
from gradio_client import Client  # noqa: E402

from ui.serve import serve  # noqa: E402

PASSWORDS = {"rita": ("reader", "reader-pass-1"), "ed": ("editor", "editor-pass-1"), "ada": ("admin", "admin-pass-1")}


def test_accounts_are_hashed_in_a_0600_file(tmp_path):
    users = Users(tmp_path)
    users.add("rita", "reader", "correct horse")
    path = tmp_path / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "correct horse" not in text and "$argon2id$" in text
    assert users.verify("rita", "correct horse") and not users.verify("rita", "wrong horse")
    assert not users.verify("nobody", "correct horse")
    with pytest.raises(UserError, match="role must be one of"):
        users.add("x", "owner", "long enough")
    with pytest.raises(UserError, match="at least 8"):
        users.add("x", "reader", "short")


def test_roles_nest():
    assert allows("reader", "read") and not allows("reader", "write")
    assert allows("editor", "write") and not allows("editor", "admin")
    assert allows("admin", "admin") and not allows(None, "read")


def test_throttle_is_per_user_and_address():
    now = [0.0]
    throttle = SignInThrottle(limit=3, window=60, lockout=30, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("rita", "10.0.0.1")
    assert throttle.blocked("rita", "10.0.0.1") == 30
    assert throttle.blocked("rita", "10.0.0.2") == 0 and throttle.blocked("ed", "10.0.0.1") == 0
    now[0] = 31
    assert throttle.blocked("rita", "10.0.0.1") == 0


def test_users_cli_add_list_remove(tmp_path):
    runner = CliRunner()
    index = str(tmp_path / "idx")
    added = runner.invoke(main, ["users", "add", "ada", "--role", "admin", "--password-stdin", "--index", index],
                          input="admin-pass-1\n")
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(main, ["users", "add", "rita", "--role", "reader", "--index", index],
                             input="reader-pass-1\nreader-pass-1\n")
    assert prompted.exit_code == 0, prompted.output
    mismatch = runner.invoke(main, ["users", "add", "bob", "--role", "reader", "--index", index],
                             input="one-password\nanother-one\n")
    assert mismatch.exit_code != 0
    assert Users(tmp_path / "idx").role_of("bob") is None
    listed = json.loads(runner.invoke(main, ["users", "list", "--json", "--index", index]).stdout)
    assert listed == {"users": [{"name": "ada", "role": "admin"}, {"name": "rita", "role": "reader"}]}
    assert runner.invoke(main, ["users", "remove", "rita", "--index", index]).exit_code == 0
    missing = runner.invoke(main, ["users", "remove", "rita", "--index", index])
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: no user named 'rita'"
    bad_role = runner.invoke(main, ["users", "add", "x", "--role", "owner", "--index", index])
    assert bad_role.exit_code == 2


def test_serving_another_address_without_accounts_exits_1(tmp_path, monkeypatch, fake_model, caplog):
    runner = CliRunner()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Body worn video cameras are used by the force.", encoding="utf-8")
    assert runner.invoke(main, ["ingest", str(docs), "-q"]).exit_code == 0
    launched = []
    monkeypatch.setattr("gradio.Blocks.launch", lambda self, **kwargs: launched.append(kwargs))
    refused = runner.invoke(main, ["serve", "--host", "0.0.0.0", "-q"])
    assert refused.exit_code == 1 and not launched
    assert refused.stderr.startswith("error: refusing to serve the index on 0.0.0.0 without sign-in")
    assert "foi users add" in refused.stderr and "--no-auth" in refused.stderr
    allowed = runner.invoke(main, ["serve", "--host", "0.0.0.0", "--no-auth"])
    assert allowed.exit_code == 0, allowed.output
    assert "serving 0.0.0.0 without sign-in (--no-auth)" in caplog.text and launched[-1]["auth"] is None
    assert runner.invoke(main, ["serve", "-q"]).exit_code == 0 and launched[-1]["auth"] is None
    Users(tmp_path / "foi-index").add("ada", "admin", "admin-pass-1")
    assert runner.invoke(main, ["serve", "-q"]).exit_code == 0 and callable(launched[-1]["auth"])


@pytest.fixture(scope="module")
def server(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-auth")
    for name, text in DOCS.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    assistant = Assistant.open(root / "idx", embedder=fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    users = Users(root / "idx")
    for name, (role, password) in PASSWORDS.items():
        users.add(name, role, password)
    demo = serve(assistant, port=free_port(), block=False, quiet=True)
    yield demo.local_url, assistant, root
    demo.close()
    assistant.close()


def _client(url, name):
    return Client(url, auth=(name, PASSWORDS[name][1]), verbose=False)


def test_api_needs_sign_in(server):
    url = server[0]
    assert httpx.get(url + "config").status_code == 401
    assert httpx.post(url + "gradio_api/call/search", json={"data": ["video"]}).status_code == 401
    with pytest.raises(Exception):
        Client(url, auth=("rita", "not her password"), verbose=False)


def test_reader_reads_but_may_not_remove(server):
    url, assistant, _ = server
    client = _client(url, "rita")
    hits = client.predict("body worn video", api_name="/search")["hits"]
    assert hits and hits[0]["file_path"].endswith(".txt")
    doc_id = hits[0]["doc_id"]
    with pytest.raises(Exception, match=r"rita \(reader\) may not upload, update or remove documents"):
        client.predict(doc_id, api_name="/remove")
    with pytest.raises(Exception, match="needs the editor role"):
        client.predict(api_name="/update")
    assert assistant.document(doc_id) is not None


def test_editor_removes_and_the_audit_log_says_who(server):
    url, assistant, root = server
    client = _client(url, "ed")
    doc_id = client.predict("drones search and rescue", api_name="/search")["hits"][0]["doc_id"]
    report = client.predict(doc_id, api_name="/remove")
    assert report["title"] and assistant.document(doc_id) is None
    entries = [json.loads(line) for line in (root / "idx" / "audit.jsonl").read_text().splitlines()]
    assert entries[-1]["user"] == "ed" and entries[-1]["action"] == "remove" and entries[-1]["targets"] == [doc_id]
    assert entries[-1]["time"].endswith("+00:00")


def test_downloads_are_only_for_signed_in_users_and_never_arbitrary_paths(server):
    url = server[0]
    login = httpx.post(url + "login", data={"username": "rita", "password": PASSWORDS["rita"][1]})
    assert login.status_code == 200
    cookies = login.cookies
    assert httpx.get(url + "gradio_api/file=/etc/passwd", cookies=cookies).status_code == 403
    assert httpx.get(url + "gradio_api/file=/etc/passwd").status_code == 401
    assert httpx.get(url + f"gradio_api/file={server[2] / 'docs' / 'wmp' / 'bwv.txt'}", cookies=cookies).status_code == 403


def test_failed_sign_ins_are_throttled_per_user(server):
    url = server[0]
    for _ in range(5):
        assert httpx.post(url + "login", data={"username": "ada", "password": "guess"}).status_code == 400
    throttled = httpx.post(url + "login", data={"username": "ada", "password": PASSWORDS["ada"][1]})
    assert throttled.status_code == 429 and "Too many failed sign-ins" in throttled.text
    other = httpx.post(url + "login", data={"username": "rita", "password": PASSWORDS["rita"][1]})
    assert other.status_code == 200


def test_audit_tab_shows_escaped_entries_to_admins_only(tmp_path):
    import gradio as gr

    from ui.access import Access
    from ui.access_view import audit_view, role_view

    users = Users(tmp_path)
    for name, (role, password) in PASSWORDS.items():
        users.add(name, role, password)
    access = Access(tmp_path)
    access.record(gr.Request(username="ed"), "upload", ['<img src=x onerror="alert(1)">.txt'])
    admin, reader = gr.Request(username="ada"), gr.Request(username="rita")
    shown = audit_view(access, admin)
    assert "&lt;img src=x" in shown and "<img" not in shown and "<td>ed</td>" in shown and "<td>upload</td>" in shown
    assert "admins only" in audit_view(access, reader)
    line, edit_row, remove_box, audit_tab, _ = role_view(access, reader)
    assert "rita" in line and edit_row.visible is False and audit_tab.visible is False
    line, edit_row, remove_box, audit_tab, log = role_view(access, admin)
    assert edit_row.visible is True and audit_tab.visible is True and "&lt;img" in log


def test_admins_manage_users_in_the_audit_tab_and_readers_cannot(tmp_path, fake_embedder):
    import gradio as gr

    from ui.access import Access
    from ui.app import build_app

    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    users = Users(tmp_path / "idx")
    for name, (role, password) in PASSWORDS.items():
        users.add(name, role, password)
    demo = build_app(assistant, access=Access(tmp_path / "idx"))
    handlers = {fn.fn.__qualname__: fn.fn for fn in demo.fns.values() if "admin_tab" in getattr(fn.fn, "__qualname__", "")}
    add, remove = handlers["admin_tab.<locals>.on_add"], handlers["admin_tab.<locals>.on_remove"]
    admin, reader = gr.Request(username="ada"), gr.Request(username="rita")
    status, table, cleared = add("bob", "editor", "bob-pass-123", admin)
    assert "saved bob (editor)" in status and "<td>bob</td><td>editor</td>" in table and cleared == ""
    assert users.role_of("bob") == "editor" and users.verify("bob", "bob-pass-123")
    with pytest.raises(gr.Error, match=r"rita \(reader\) may not manage users"):
        add("eve", "admin", "eve-pass-123", reader)
    with pytest.raises(gr.Error):
        remove("bob", reader)
    assert "cannot remove your own account" in remove("ada", admin)[0]
    assert "removed bob" in remove("bob", admin)[0] and users.role_of("bob") is None
    actions = [(e["user"], e["action"], e["targets"]) for e in Access(tmp_path / "idx").audit.entries()]
    assert actions == [("ada", "add user", ["bob"]), ("ada", "remove user", ["bob"])]
    assistant.close()
