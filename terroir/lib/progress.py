"""How long work tells where it is: one value that a command line bar and a web page both show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    stage: str  # a short word: "read", "merge"…
    message: str
    done: int = 0
    total: int | None = None  # None when the end is not known in advance

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def bar(self, width: int = 30) -> str:
        """ "[#########.....]  62%  message" when the end is known, else the message alone."""
        fraction = self.fraction
        if fraction is None:
            return self.message
        filled = round(fraction * width)
        return f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}  {self.message}"


ProgressReport = Callable[[Progress], None]
