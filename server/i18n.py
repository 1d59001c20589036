"""Languages: Babel catalogues, the request's locale, and gettext for code and templates.

Message ids are English; zh_CN is the default interface language. The .po catalogues
are compiled in memory at start-up, so there is no build step and no binary in git.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "xuncha_lang"

_current: ContextVar[str] = ContextVar("xuncha_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def lang() -> str:
    """The short language code that model helpers take: "zh" or "en"."""
    return "en" if _current.get() == "en" else "zh"


def html_lang() -> str:
    return "en" if _current.get() == "en" else "zh-CN"


def gettext(message: str, **variables: object) -> str:
    text = translations(_current.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(_current.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def negotiate(cookie_value: str | None, accept_language: str | None) -> str:
    """The person's own choice first, then what the browser asks for, then Chinese."""
    if cookie_value in LOCALES:
        return cookie_value
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            tag, _sep, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            if tag and q > 0:
                preferred.append((q, tag.strip().replace("-", "_")))
        preferred.sort(key=lambda pair: -pair[0])
        for _q, tag in preferred:
            if tag.lower().startswith("zh"):
                return "zh_CN"
            if tag.lower().startswith("en"):
                return "en"
    return DEFAULT_LOCALE


def locale_name(locale: str) -> str:
    return Locale.parse(locale).get_display_name(locale) or locale


def format_distance(metres: float | None) -> str:
    """A distance as people say it, with the page's number format: "约 8,243 公里", "35 米"."""
    from babel.numbers import format_decimal

    if metres is None:
        return ""
    locale = current_locale()
    if metres >= 1000:
        km = metres / 1000
        # Tenths only where they matter (1.5 km); 8,243 km needs no decimals.
        number = format_decimal(round(km, 1) if km < 10 else round(km), format="#,##0.#", locale=locale)
        return gettext("about %(km)s km", km=number)
    return gettext("%(m)s m", m=format_decimal(round(metres), format="#,##0", locale=locale))
