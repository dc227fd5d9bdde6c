"""Exceptions raised while reading source files."""


class SkippedFile(Exception):
    """A file (or a part of one) that cannot be ingested, with the reason a user sees.

    Args:
        reason: One line saying what is wrong, e.g. "encrypted PDF (needs a password)".
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
