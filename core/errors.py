"""Errors the core raises: a machine code for programs, a zh-CN message for people."""


class HallError(Exception):
    """A refusal the caller can act on. `status` is the HTTP status the web layer maps it to."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, **details):
        # args = (code, message): copies rebuilt from args (SimPy, pickling) stay HallErrors.
        super().__init__(code, message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(HallError):
    status = 404


class Conflict(HallError):
    status = 409


class Forbidden(HallError):
    status = 403


class Unavailable(HallError):
    status = 503


class ConfigError(Exception):
    """The hall's configuration is broken; the message names the key and the problem."""


class StoreError(Exception):
    """The database cannot be used (newer schema, not a database file …)."""
