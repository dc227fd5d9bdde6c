"""Launch the UI locally: loopback only, no analytics, no fonts or scripts from the internet."""

from __future__ import annotations

import os

# Before gradio is imported anywhere (ui/__init__ sets it too).
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import logging  # noqa: E402

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from assistant.api import Assistant  # noqa: E402
from assistant.errors import UserError  # noqa: E402
from ui.access import Access, ClientAddressMiddleware, is_loopback  # noqa: E402
from ui.app import build_app  # noqa: E402

logger = logging.getLogger(__name__)

# System fonts only: a gr.themes.GoogleFont would make the browser call fonts.googleapis.com.
THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])

CSS = """
.gradio-container { max-width: min(1280px, 100%) !important; margin: 0 auto; }
.foi-header { font-size: 1.1rem; padding: 4px 0; }
.foi-cards { display: flex; flex-direction: column; gap: 10px; }
.foi-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
            background: var(--background-fill-secondary); overflow-wrap: anywhere; }
.foi-card-head { margin-bottom: 4px; }
.foi-badge { display: inline-block; font-weight: 600; color: var(--color-accent); margin-right: 4px; }
.foi-meta, .foi-cite, .foi-score, .foi-also, .foi-note { font-size: 0.85em; color: var(--body-text-color-subdued); }
.foi-quote { margin: 6px 0; padding-left: 8px; border-left: 3px solid var(--color-accent); }
.foi-text { margin: 6px 0; white-space: pre-wrap; }
.foi-cite-copy { width: 100%; font-size: 0.85em; padding: 4px 6px; border: 1px solid var(--border-color-primary);
                 border-radius: 4px; background: var(--background-fill-primary); color: var(--body-text-color); }
.foi-viewer { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 70vh; overflow-y: auto; padding: 12px;
              border: 1px solid var(--border-color-primary); border-radius: 8px; line-height: 1.6; }
.foi-cited-rows { overflow-x: auto; margin-bottom: 8px; }
.foi-cited-rows table { border-collapse: collapse; font-size: 0.9em; }
.foi-cited-rows th, .foi-cited-rows td { border: 1px solid var(--border-color-primary); padding: 2px 8px; text-align: left; }
.foi-page { display: block; text-align: center; color: var(--body-text-color-subdued); margin: 10px 0;
            font-family: system-ui, sans-serif; }
.foi-ocr-note { font-size: 0.8em; color: #9c4a00; margin: 4px 0; }
.foi-ocr-view { display: flex; gap: 10px; align-items: flex-start; }
.foi-ocr-view > .foi-viewer { flex: 1 1 50%; min-width: 0; }
.foi-page-image { flex: 1 1 50%; margin: 0; max-height: 70vh; overflow: auto; }
.foi-page-image img { width: 100%; height: auto; border: 1px solid var(--border-color-primary); }
.foi-page-image figcaption { font-size: 0.8em; color: var(--body-text-color-subdued); }
mark { background: #ffe066; color: #111; padding: 0 1px; }
mark#cited { background: #ffd43b; outline: 2px solid #f08c00; }
.foi-metadata dt { font-weight: 600; font-size: 0.85em; margin-top: 6px; }
.foi-metadata dd { margin: 0; overflow-wrap: anywhere; }
.foi-footer { font-size: 0.8em; color: var(--body-text-color-subdued); text-align: center; overflow-wrap: anywhere; }
.foi-empty, .foi-error { padding: 10px; color: var(--body-text-color-subdued); }
.foi-error { color: var(--error-text-color); }
.foi-open { margin-top: 6px; font-size: 0.85em; padding: 2px 10px; border-radius: 999px; cursor: pointer;
            border: 1px solid var(--color-accent); color: var(--color-accent); background: var(--background-fill-primary); }
.foi-open:hover, .foi-open:focus-visible { background: var(--color-accent); color: white; }
.foi-card[data-open] { cursor: pointer; }
.foi-card[data-open]:hover { border-color: var(--color-accent); }
.foi-card .foi-quote, .foi-card .foi-text { cursor: text; }
.foi-files { max-height: 280px; overflow: auto; margin-top: 6px; border: 1px solid var(--border-color-primary); border-radius: 6px; }
.foi-files table { width: 100%; border-collapse: collapse; font-size: 0.85em; }
.foi-files th, .foi-files td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--border-color-primary);
                               vertical-align: top; overflow-wrap: anywhere; }
.foi-files th { position: sticky; top: 0; background: var(--background-fill-secondary); }
.foi-outcome-skipped td { color: var(--error-text-color); }
.foi-outcome-unchanged td { color: var(--body-text-color-subdued); }
a.foi-marker { font-weight: 600; color: var(--color-accent); text-decoration: none; cursor: pointer; }
a.foi-marker:hover, a.foi-marker:focus-visible { text-decoration: underline; }
details.foi-also { margin: 4px 0; font-size: 0.85em; }
details.foi-also summary { cursor: pointer; color: var(--body-text-color-subdued); }
.foi-also-list { margin: 4px 0 0; padding-left: 18px; }
.foi-also-list li { margin: 2px 0; overflow-wrap: anywhere; }
.foi-open.foi-link { margin: 0; padding: 0; border: none; border-radius: 0; background: none; font-size: 1em;
                     color: var(--color-accent); text-decoration: underline; text-align: left; }
.foi-open.foi-link:hover, .foi-open.foi-link:focus-visible { background: none; color: var(--color-accent); }
.foi-facets { display: flex; flex-direction: column; gap: 8px; }
.foi-facet-name { font-weight: 600; font-size: 0.85em; margin-bottom: 2px; }
.foi-facet { display: inline-block; margin: 0 4px 4px 0; padding: 1px 8px; border-radius: 999px; font-size: 0.85em;
             border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
             color: var(--body-text-color); cursor: pointer; text-align: left; overflow-wrap: anywhere; }
.foi-facet:hover, .foi-facet:focus-visible { border-color: var(--color-accent); }
.foi-facet[aria-pressed="true"] { background: var(--color-accent); border-color: var(--color-accent); color: white; }
.foi-count { font-weight: 600; opacity: 0.75; }
.foi-facets details summary { cursor: pointer; font-size: 0.85em; color: var(--body-text-color-subdued); }
"""

# Gradio prefixes every rule of `css` inside a media query with `.gradio-container .contain`,
# so the phone layout, which must reach the page's outer containers, goes in <head> as is.
PHONE_CSS = """<style>
@media (max-width: 600px) {
  .gradio-container { padding: 0 !important; min-width: 0 !important; }
  .gradio-container > .main { padding: 4px 6px !important; min-width: 0 !important; }
  /* Flex items default to min-width: auto, which lets one wide table widen the whole page. */
  .gradio-container .wrap, .gradio-container .contain, .gradio-container .tabs, .gradio-container .tab-container,
  .gradio-container .tabitem, .gradio-container .column, .gradio-container .row, .gradio-container .block,
  .gradio-container .form { min-width: 0 !important; max-width: 100% !important; }
  /* Rows marked foi-stack put their children one under another instead of overflowing sideways. */
  .gradio-container .foi-stack { flex-direction: column !important; flex-wrap: nowrap !important; }
  .gradio-container .foi-stack > * { min-width: 0 !important; width: 100% !important; max-width: 100% !important; }
  /* A wide table scrolls inside its own box. */
  #foi-docs, #foi-docs .table-container, #foi-docs .table-wrap,
  #foi-compare-table, #foi-compare-table .table-container, #foi-compare-table .table-wrap {
    max-width: 100% !important; min-width: 0 !important; }
  #foi-docs .table-wrap, #foi-compare-table .table-wrap { overflow-x: auto !important; }
  .foi-viewer { max-height: 60vh; font-size: 0.85em; }
}
</style>"""


def serve(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    open_browser: bool = False,
    *,
    block: bool = True,
    quiet: bool = False,
    no_auth: bool = False,
) -> gr.Blocks:
    """Launch the UI for `assistant` on `host:port`.

    Args:
        assistant: The opened Assistant.
        host: Interface to bind; keep the loopback default unless you mean to share the index.
        port: TCP port.
        open_browser: Open the default browser at the app's URL.
        block: Serve until interrupted; with False, return at once (tests, notebooks).
        quiet: Do not print the URL.
        no_auth: Serve a non-loopback `host` although no account exists (a warning is logged).

    Returns:
        The launched Blocks (`.local_url` holds its address); call `.close()` to stop it.

    Raises:
        UserError: `host` is not loopback, no account exists and `no_auth` is not set.
    """
    access = Access(assistant.settings.index_dir)
    if not access.required and not is_loopback(host):
        if not no_auth:
            raise UserError(
                f"refusing to serve the index on {host} without sign-in: add an account first "
                f"(`foi users add NAME --role admin --index {assistant.settings.index_dir}`), "
                "or pass --no-auth to let anyone who can reach the port read and change it"
            )
        logger.warning("serving %s without sign-in (--no-auth): anyone who can reach the port may read and change the index", host)
    demo = build_app(assistant, access=access)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=host,
        server_port=port,
        inbrowser=open_browser,
        share=False,
        prevent_thread_lock=not block,
        quiet=quiet,
        theme=THEME,
        css=CSS,
        footer_links=["api", "settings"],
        head=PHONE_CSS,
        max_file_size=int(assistant.settings.max_upload_mb * 1_000_000),
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        allowed_paths=[],
        auth=access.sign_in_async if access.required else None,
        auth_message="FOI Assistant: sign in with the account an admin made for you (`foi users add`).",
        app_kwargs={"middleware": [Middleware(ClientAddressMiddleware)]},
    )
    return demo
