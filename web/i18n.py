"""zh-CN first, English on request: Flask-Babel with catalogues in translations/.

The .po files are the source; their .mo files are compiled at start-up when missing or older,
so a fresh clone needs no build step.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request
from flask_babel import Babel, force_locale

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("zh", "en")


def compile_catalogues() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("hall_lang")
    return lang if lang in LANGUAGES else "zh"


def init(app) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)


def both_languages(strings: dict) -> dict[str, dict[str, str]]:
    """The page's strings in every language, so it can switch without a reload."""
    out = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            out[lang] = {key: str(value) for key, value in strings.items()}
    return out
