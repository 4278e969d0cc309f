"""The forum's languages: interface strings from gettext catalogues (Babel), numbers and place names per locale.

Catalogues live in ``facilitation/locale/<code>/LC_MESSAGES/casim.po`` (English is the source language and has
none). They are compiled in memory when first used, so the package ships only the editable ``.po`` files.
After a change of an interface string, ``scripts/update-catalogues`` extracts the strings (``pybabel extract``) and
merges them into each language's catalogue (``pybabel update``, or ``init`` for a new language in its list).

Strings in code are marked ``lang._("...")`` (translated where used) or ``N_("...")`` (a constant translated
later); placeholders are ``{named}`` and filled with ``str.format`` after translation, so a translator can move
them.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, parse_pattern
from babel.support import Translations

if TYPE_CHECKING:
    from sim.scenario import Scenario

#: Language code -> its own name, in the order offered to users.
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português"}
#: The gettext domain of every catalogue.
DOMAIN = "casim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language used when none is asked for (the source language of every string).
DEFAULT = "en"


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark for translation, translate later")
    """Mark ``message`` for extraction into the catalogues; it is translated where it is shown."""
    return message


#: Display names of the regions of the shipped scenarios (region keys are identifiers, not words); a region
#: not listed here is shown as its key with spaces and a capital.
REGION_NAMES = {
    "latin_america": N_("Brazil, Cerrado"),  # the farms parameterised (Cerrado soil and climate), not a continent
    "africa_dry": N_("Africa, dry savanna"),
    "africa_moist": N_("Africa, moist savanna"),
    "france": N_("France"),
    "brazil_south": N_("Southern Brazil"),
    "world": N_("World"),
    "prairies": N_("Canadian Prairies"),
    "haryana": N_("Haryana, India"),
    "all": N_("All farms"),
}


class UnknownLanguage(ValueError):
    """A language code that has no catalogue."""


def path_of(code: str) -> Path:
    """The catalogue (.po) of language ``code``."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(code: str) -> gettext.NullTranslations:
    if code == DEFAULT:
        return gettext.NullTranslations()
    with path_of(code).open("rb") as po:
        catalogue = read_po(po, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True)
class Language:
    """One of ``LANGUAGES``: translated strings, numbers in the locale's style, translated place names."""

    code: str

    def __post_init__(self) -> None:
        if self.code not in LANGUAGES:
            raise UnknownLanguage(f"language {self.code!r}: expected one of {', '.join(LANGUAGES)}")

    @property
    def _catalogue(self) -> gettext.NullTranslations:
        return _translations(self.code)

    @property
    def locale(self) -> Locale:
        """The Babel locale (number symbols, territory names)."""
        return Locale.parse(self.code)

    def _(self, message: str) -> str:
        """``message`` in this language (itself when the catalogue has no translation)."""
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for count ``n``, by this language's plural rule."""
        return self._catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` translated in ``context`` (the same English word may need two translations)."""
        return self._catalogue.pgettext(context, message)

    def percent(self, share: float, decimals: int = 0) -> str:
        """A share as a percentage in the locale's style ("52%", "52 %"; "0.9%" with one decimal)."""
        pattern = self.locale.percent_formats[None].pattern
        if decimals:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
        return _minus(format_percent(_unsigned_zero(share, decimals + 2), format=pattern, locale=self.code))

    @property
    def percent_affixes(self) -> tuple[str, str]:
        """What the locale writes before and after a percentage's number: ("", "%"), ("", "\N{NO-BREAK SPACE}%").

        For text ``percent`` cannot write, such as a chart's tick labels drawn by Plotly (its "%" format writes "20%"
        in every language).
        """
        pattern = parse_pattern(self.locale.percent_formats[None].pattern)
        return pattern.prefix[0], pattern.suffix[0]

    def share(self, share: float) -> str:
        """A share said in words or a table: whole percentages from ``SMALL_SHARE`` on, one decimal below it."""
        return self.percent(share, 0 if abs(share) >= SMALL_SHARE else 1)

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with the locale's grouping and decimal signs ("1,234.5", "1 234,5"; Spanish "3000", "30.000").

        Never "-0"; a minus sign ("−2"), as the charts write it.
        """
        value = _unsigned_zero(value, decimals)
        grouped = abs(round(value, decimals)) >= 10 ** (GROUPING_DIGITS + MIN_GROUPING_DIGITS.get(self.code, 1) - 1)
        pattern = ("#,##0" if grouped else "0") + ("." + "0" * decimals if decimals else "")
        return _minus(format_decimal(value, format=pattern, locale=self.code))

    def money(self, value: float, currency: str) -> str:
        """An amount and its currency code ("140,000 USD"): the code reads the same in every language."""
        return f"{self.number(value)}\N{NO-BREAK SPACE}{currency}"

    def interval(self, low: str, high: str) -> str:
        """Two bounds as written (``number``, ``percent``) as one interval: "4.5%–5.9%", "−0.21 to 0.16".

        Referee 50 n3: with a negative bound an en dash reads ambiguously ("−0.21–0.16", "−13,273–11,431": a
        subtraction, or a range from −0.21 to −0.16?); such an interval is spelled in words ("to", "à", "a"), with
        no-break spaces: a narrow table column would set the word on a line of its own.
        """
        if any(sign in low + high for sign in (MINUS, "-")):
            return self._negative_interval.format(low=low, high=high)
        return f"{low}\N{EN DASH}{high}"

    @property
    def interval_words(self) -> str:
        """What ``interval`` writes between a negative bound and the other (" to ", " à ", no-break spaces)."""
        return self._negative_interval.format(low="", high="")

    @property
    def _negative_interval(self) -> str:
        words = self.pgettext("an interval with a negative bound", "{low} to {high}")
        return words.replace(" ", "\N{NO-BREAK SPACE}")

    def region(self, key: str) -> str:
        """Display name of a region key ("africa_dry" -> "Africa, dry savanna", "Afrique, savane sèche")."""
        name = REGION_NAMES.get(key)
        return self._(name) if name else key.replace("_", " ").capitalize()

    def scenario_name(self, scenario: Scenario) -> str:
        """The scenario's title in this language: its ``translations`` entry, else its own (English) ``name``."""
        title = scenario.translations.get(self.code)
        return title.name if title else scenario.name

    def scenario_description(self, scenario: Scenario) -> str:
        """The scenario's question in this language: its ``translations`` entry's, else the English one ("" if none).

        A translated title without a description shows the English one (the loader drops a translated description
        that a variant's own ``description`` makes wrong).
        """
        title = scenario.translations.get(self.code)
        return title.description if title and title.description else scenario.description

    def country(self, alpha2: str) -> str:
        """The country of ISO 3166-1 code ``alpha2`` in this language (CLDR names, through Babel)."""
        return self.locale.territories.get(alpha2.upper(), alpha2)


#: Shares below this are said with one decimal ("0.9%"): as whole percentages 0.6% and 1.4% would both read "1%".
SMALL_SHARE = 0.1
#: Digits in a group of thousands, and CLDR's minimumGroupingDigits where it is not 1 (Babel 2.19 does not apply
#: it): Spanish writes "3000 agricultores" and "30.000" (a group separator only from five digits on).
GROUPING_DIGITS = 3
MIN_GROUPING_DIGITS = {"es": 2}
#: The minus sign of numbers in text: the one Plotly's axes and hover labels write ("−0,02"), not a hyphen.
MINUS = "\N{MINUS SIGN}"


def _minus(text: str) -> str:
    """``text`` (a number Babel formatted) with a minus sign for its hyphen-minus."""
    return text.replace("-", MINUS)


def _unsigned_zero(value: float, decimals: int) -> float:
    """``value``, or 0.0 when it rounds to zero at ``decimals`` (so that -0.001 shows as "0.00", not "-0.00")."""
    return 0.0 if round(value, decimals) == 0 else value


def language(code: str | None) -> Language:
    """The language of ``code`` (English when None); UnknownLanguage names the allowed codes."""
    return Language(code or DEFAULT)
