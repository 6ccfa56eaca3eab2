"""Attachment names: Chinese kept, folders, control and direction characters dropped."""

from __future__ import annotations

import pytest

from app.attachments import names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("路灯照片.jpg", "路灯照片.jpg"),
        ("  小区 \t 门口.png ", "小区 门口.png"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\故障.jpg", "故障.jpg"),
        ("C:\\fakepath\\回执.pdf", "回执.pdf"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # the right-to-left override is gone
        ("a\x00b\x1fc\x7f.jpg", "abc.jpg"),
        ('报告<1>:"终稿"|?*.docx', "报告_1___终稿____.docx"),
        (".htaccess", "htaccess"),
        ("....jpg", "attachment.jpg"),
        ("", "attachment"),
        (None, "attachment"),
        ("/", "attachment"),
        ("e\u0301.jpg", "\u00e9.jpg"),  # NFC
    ],
)
def test_clean(raw, clean):
    assert names.clean(raw) == clean


def test_a_long_name_keeps_its_extension():
    cleaned = names.clean("长" * 300 + ".pdf")
    assert len(cleaned) == names.MAX_LENGTH and cleaned.endswith(".pdf")


def test_the_extension_says_what_the_file_is():
    assert names.with_extension("扫描件.jpg", "pdf", frozenset({"pdf"})) == "扫描件.pdf"
    assert names.with_extension("照片.JPEG", "jpg", frozenset({"jpg", "jpeg"})) == "照片.JPEG"
    assert names.with_extension("录音", "wav", frozenset({"wav"})) == "录音.wav"
