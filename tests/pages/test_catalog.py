"""Chinese first: every text of the pages has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

APP = Path(__file__).parents[2] / "app"
CATALOG = APP / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def test_every_page_text_has_its_chinese():
    with CATALOG.open("rb") as f:
        translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(f)}
    missing = []
    for filename, _line, message, _comments, _context in extract_from_dir(
        APP, METHODS, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and not translated.get(msgid):
            missing.append(f"{filename}: {msgid}")
    assert not missing, "untranslated (run `make messages`, translate in the .po):\n" + "\n".join(
        missing
    )
