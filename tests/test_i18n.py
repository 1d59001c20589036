"""The interface speaks Chinese by default and English on request, and no message is left untranslated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from server.i18n import negotiate

ROOT = Path(__file__).resolve().parents[1]
ZH_PO = ROOT / "server" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)")
METHOD_MAP = [("server/**.py", "python"), ("web/**.html", "jinja2")]
OPTIONS = {"web/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}


def _searched(dirpath: str) -> bool:
    # Babel skips folders starting with "_" by default, which would hide web/_partials.
    name = Path(dirpath).name
    return not name.startswith(".") and name not in {"node_modules", "data", "__pycache__"}


def _messages_in_code() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS, keywords=KEYWORDS, directory_filter=_searched
    ):
        found.add(tuple(message) if isinstance(message, tuple | list) else message)
    return found


def test_every_message_in_the_code_has_a_chinese_translation():
    catalog = read_po(ZH_PO.open("rb"), locale="zh_CN")
    translated = {}
    for message in catalog:
        if message.id:
            key = tuple(message.id) if isinstance(message.id, tuple | list) else message.id
            translated[key] = message.string
    in_code = _messages_in_code()
    assert len(in_code) > 100
    assert "Record" in in_code, "the shared partials under web/_partials are searched too"
    missing = sorted(
        str(m) for m in in_code if not translated.get(m) or (isinstance(m, tuple) and not all(translated[m]))
    )
    assert not missing, f"messages without a zh_CN translation (run `make messages` and translate): {missing}"


def test_translations_keep_their_placeholders():
    catalog = read_po(ZH_PO.open("rb"), locale="zh_CN")
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id[0] if isinstance(message.id, tuple | list) else message.id
        target = message.string[0] if isinstance(message.string, tuple | list) else message.string
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


def test_negotiation_prefers_the_choice_then_the_browser_then_chinese():
    assert negotiate(None, None) == "zh_CN"
    assert negotiate(None, "en") == "en"
    assert negotiate(None, "en-US,en;q=0.9") == "en"
    assert negotiate(None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert negotiate(None, "fr-FR,en;q=0.5") == "en"
    assert negotiate(None, "fr-FR") == "zh_CN"
    assert negotiate("en", "zh-CN") == "en"
    assert negotiate("zh_CN", "en") == "zh_CN"
    assert negotiate("xx", "en") == "en"


async def test_pages_answer_in_chinese_by_default_and_in_english_when_asked(client):
    chinese = await client.get("/login")
    assert '<html lang="zh-CN">' in chinese.text
    assert "登录" in chinese.text and "用户名" in chinese.text
    english = await client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text and "Username" in english.text
    assert "登录" not in english.text


async def test_api_errors_follow_the_language_too(client):
    body = {"username": "officer", "password": "wrong"}
    zh = await client.post("/api/v1/auth/token", json=body)
    en = await client.post("/api/v1/auth/token", json=body, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 401
    assert zh.json()["message"] == "用户名或密码错误。"
    assert en.json()["message"] == "Wrong username or password."
