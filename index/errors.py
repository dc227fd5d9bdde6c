"""Exceptions raised by the index directory, the store and the embedder."""


class IndexProblem(Exception):
    """Base class for index problems a user can act on."""


class IndexNotFound(IndexProblem):
    """No index exists at the given directory."""


class IndexMismatch(IndexProblem):
    """The index was built with a different model or chunking than requested."""


class IndexFormatError(IndexProblem):
    """The index directory is unreadable, damaged, or from a newer version."""


class IndexLocked(IndexProblem):
    """Another process holds the index's write lock."""


class ModelNotAvailable(IndexProblem):
    """The embedding model cannot be loaded offline."""


class IndexWriteFailed(IndexProblem):
    """A new generation could not be written (disk full, I/O error); the index is unchanged."""
