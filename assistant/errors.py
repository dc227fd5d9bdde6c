"""Exceptions the assistant raises for problems a user can fix."""


class AssistantError(Exception):
    """Base class: the CLI prints the message and exits 1."""


class SettingsError(AssistantError):
    """A settings file or value is invalid."""


class NothingToIngest(AssistantError):
    """No ingestible file was found under the given paths."""


class UserError(AssistantError):
    """A user-management or sign-in mistake: unknown name, bad role, weak password, no accounts."""
