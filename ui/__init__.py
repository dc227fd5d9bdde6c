"""The Gradio browser UI (thin layer over `assistant.api.Assistant`).

Gradio reads `GRADIO_ANALYTICS_ENABLED` when it is imported, so it is set here,
before any module of this package imports gradio: the UI never phones home.
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
