"""Printing one number as a table cell, and recording its ground truth.

Counts may come out as ``12``, ``１２`` or ``1,234``; 本年增/减 as ``增271`` / ``减7``
/ ``0``; amounts as ``14.4万元``, ``251000元`` or bare 万元 (the 2021 fees column).
Some cells are printed as a dash or left blank: their truth is ``None``.  In 表三
and 表四 only zeros become dashes or blanks, so the consistency rules still hold
when a dash counts as 0.  Layouts separated by whitespace cannot show a blank
cell, so there a blank becomes a dash (and the truth says ``dash``).
"""

from __future__ import annotations

import zlib

from .model import Cell, Fact
from .style import Style

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def wan(yuan: int, thousands: bool = False) -> str:
    """Yuan as an exact 万元 number: 144000 -> ``14.4``; 40682080 -> ``4068.208``."""
    whole, rest = divmod(yuan, 10_000)
    text = f"{whole:,}" if thousands else str(whole)
    if rest:
        text += "." + f"{rest:04d}".rstrip("0")
    return text


class Formatter:
    """Turns numbers into value cells for one report and one layout."""

    def __init__(self, seed: str, style: Style, whitespace: bool) -> None:
        self.seed = seed
        self.style = style
        self.whitespace = whitespace

    def _draw(self, key: tuple[str, str, str], salt: str) -> float:
        """A uniform draw fixed by (seed, cell, purpose): layout and row order do not move it."""
        text = f"{self.seed}|{'|'.join(key)}|{salt}".encode()
        return zlib.crc32(text) / 4_294_967_296

    def _digits(self, key: tuple[str, str, str], n: int) -> str:
        if self.style.thousands and n >= 1000:
            return f"{n:,}"
        if self.style.fullwidth_prob and self._draw(key, "fullwidth") < self.style.fullwidth_prob:
            return str(n).translate(_FULLWIDTH)
        return str(n)

    def _missing(self, key: tuple[str, str, str], blank: bool) -> Cell:
        if blank and not self.whitespace:
            return Cell("", "value", facts=(Fact(*key, None, "blank"),))
        return Cell(self.style.dash, "value", facts=(Fact(*key, None, "dash"),))

    @staticmethod
    def _number(key: tuple[str, str, str], text: str, value: float) -> Cell:
        return Cell(text, "value", facts=(Fact(*key, value, "number"),))

    def rule_count(self, key: tuple[str, str, str], n: int) -> Cell:
        """A 表三/表四 count: a zero may be printed as a dash or left blank."""
        if n == 0:
            roll = self._draw(key, "zero")
            if roll < self.style.zero_dash_prob:
                return self._missing(key, blank=False)
            if roll < self.style.zero_dash_prob + self.style.zero_blank_prob:
                return self._missing(key, blank=True)
        return self._number(key, self._digits(key, n), float(n))

    def _active_missing(self, key: tuple[str, str, str]) -> Cell | None:
        if self.style.active_dash_prob and self._draw(key, "dash") < self.style.active_dash_prob:
            return self._missing(key, blank=self._draw(key, "blank") < 0.4)
        return None

    def active(self, key: tuple[str, str, str], n: int) -> Cell:
        """A 表二 cell of any kind, chosen by its column key and template."""
        missing = self._active_missing(key)
        if missing is not None:
            return missing
        col = key[2]
        if col == "change":
            return self._number(key, self._change_text(key, n), float(n))
        if col == "amount" and key[1] == "procurement":
            return self._number(key, self._procurement_text(key, n), float(n))
        if col == "amount":
            return self._number(key, wan(n, self.style.thousands), float(n))
        return self._number(key, self._digits(key, n), float(n))

    def _change_text(self, key: tuple[str, str, str], n: int) -> str:
        if n == 0:
            return "0"
        return ("增" if n > 0 else "减") + self._digits(key, abs(n))

    def _procurement_text(self, key: tuple[str, str, str], yuan: int) -> str:
        if yuan == 0:
            return "0"
        if self.style.procurement_wan:
            return wan(yuan, self.style.thousands) + "万元"
        return self._digits(key, yuan) + "元"
