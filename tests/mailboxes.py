"""Write a real mbox thread at test time: one e-mail per (sender, body), in order."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage


def write_mbox(path, messages: list[tuple[str, str]], subject: str) -> None:
    """An mbox at `path` holding one message per (sender, body), all with `subject`."""
    box = mailbox.mbox(path)
    for sender, body in messages:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, "x@example.invalid", subject
        message.set_content(body)
        box.add(message)
    box.flush()
