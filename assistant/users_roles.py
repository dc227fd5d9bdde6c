"""The roles a user account can have (kept apart from `assistant.users`, so `foi --help` loads no argon2)."""

ROLES = ("reader", "editor", "admin")
