"""Text for the PDFs drawn with fpdf2's core fonts (Helvetica in Windows-1252, WinAnsiEncoding): French
letters, the euro sign and dashes, but no narrow no-break space."""

from __future__ import annotations


def latin(text: str) -> str:
    """What the core fonts can write: the narrow no-break space French puts before ":" and in figures
    becomes the no-break one (never a plain space a line may break at); anything else the encoding lacks
    becomes a question mark."""
    return text.replace("\u202f", "\u00a0").encode("cp1252", "replace").decode("cp1252")
