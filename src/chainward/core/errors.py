"""One base error with diagnostics; the CLI maps error kinds to exit codes."""

from __future__ import annotations


class Error(Exception):
    """Base of every error chainward raises on purpose.

    ``diagnostics()`` is what a user reads: what is wrong, where, and how to fix it.
    """

    exit_code = 3

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def diagnostics(self) -> str:
        """A human-readable account of the error, with its location and a fix if known."""
        head = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            return f"{head}\n  hint: {self.hint}"
        return head


class UsageError(Error):
    """Bad command-line use or bad input (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """The policy file is invalid (exit 2)."""


class InputError(UsageError):
    """A scanned input cannot be used at all, e.g. an unresolvable commit range (exit 2)."""


class NetworkError(Error):
    """A network request failed; callers turn this into a "not verified" finding."""
