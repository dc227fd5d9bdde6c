"""Models kept inside an index directory (`<index>/models/...`, e.g. a `foi tune` result).

The manifest records such a model by its path relative to the index
(`models/tuned-20261202`), so the index keeps working when its folder is moved or
copied; every other model is recorded as given (a name or a path).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

MODELS_FOLDER = "models"


def recorded_model(root: Path, model: str) -> str:
    """The name the manifest records for `model`: relative to `root` when the model lives inside it."""
    path = Path(model)
    if not path.is_dir():
        return model
    try:
        relative = path.resolve().relative_to(Path(root).resolve())
    except (ValueError, OSError):
        return model
    return relative.as_posix() if relative.parts and relative.parts[0] == MODELS_FOLDER else model


def model_to_load(root: Path, model: str) -> str:
    """Where to load a recorded model from: `models/...` is resolved inside `root`."""
    relative = PurePosixPath(model)
    if not relative.is_absolute() and relative.parts[:1] == (MODELS_FOLDER,) and ".." not in relative.parts:
        inside = Path(root) / relative
        if inside.is_dir():
            return str(inside)
    return model
