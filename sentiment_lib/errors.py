"""One exception type for every mistake a user can make.

Every error the library raises on bad input is a :class:`SentimentLibError`
whose message says what was wrong *and* what to do about it. The command line
prints that message (no traceback) and exits with status 2.
"""

from __future__ import annotations


class SentimentLibError(ValueError):
    """A user-facing error: bad input, missing data, an unusable model directory.

    Examples
    --------
    >>> try:
    ...     raise SentimentLibError("No texts given.", hint="Pass at least one review.")
    ... except SentimentLibError as err:
    ...     print(err)
    No texts given. Pass at least one review.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)
