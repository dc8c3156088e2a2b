"""Errors meant for a person: what went wrong and how to fix it. The CLI prints them without a traceback."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str, hint: str = "", exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code  # 2 when the command line itself is wrong

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
