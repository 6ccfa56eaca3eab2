"""A month of cases for the reports' outputs (PDF, monthly reports): driven through the API at
known times, so the numbers the PDF prints can be checked against the result's."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.clock import clock
from tests.conftest import PASSWORD
from tests.pages.conftest import csrf_of

MARCH = datetime(2026, 3, 2, 10, 0)  # a working Monday
ARTIFACTS = Path(os.environ.get("MINQING_ARTIFACTS", Path(__file__).parents[2] / "artifacts"))


@pytest.fixture
def march_cases(api, dept):
    """Three cases at 市城管局 (urban) and one at 市住建局 (housing) in March 2026: replied and
    revisited (urban: satisfied, satisfied, unsatisfied; housing: satisfied)."""

    def run(code: str, answer: str) -> int:
        case_id = api.create()["id"]
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept(code))
        clock.advance(minutes=30)
        api.act(case_id, "sign", f"{code}_handler")
        clock.advance(hours=2)
        api.act(case_id, "reply", f"{code}_handler", text="已修复", result_code="resolved")
        clock.advance(hours=1)
        data = {"result": answer, "resolved": answer != "unsatisfied"}
        if answer == "unsatisfied":
            data["reason"] = "没有修好"
        api.act(case_id, "revisit", "revisit", **data)
        return case_id

    clock.freeze(MARCH)
    ids = [run("urban", a) for a in ("satisfied", "satisfied", "unsatisfied")]
    ids.append(run("housing", "satisfied"))
    return ids


@pytest.fixture
def signed_in(app):
    """signed_in("oversight") -> a test client of its own signed in through the login form."""

    def open_as(username: str):
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        done = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)},
        )
        assert done.status_code in (302, 303), done.status_code
        return client

    return open_as


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts whose program is embedded (FontFile, FontFile2, FontFile3)."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            desc = desc.get_object() if desc else {}
            if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                found.add(str(font["/BaseFont"]))
    return found


def keep_first_page(pdf: bytes, name: str) -> Path:
    """The PDF's first page as PNG under the artifacts CI keeps (poppler's pdftoppm, a system
    package): what a reader sees, glyphs and charts."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (poppler-utils, system-packages.txt) is needed to look at the PDF"
    subprocess.run(
        [
            tool,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(folder / name),
        ],
        check=True,
        timeout=60,
    )
    return folder / f"{name}.png"
