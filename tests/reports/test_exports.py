"""The exports write what the page shows: "—" for no rate, signed changes, and a name a
spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io

from app.extensions import db
from app.models import Department
from app.reports import run
from app.reports.exports import to_csv
from tests.reports.conftest import RUN_AT


def test_csv_cells_are_the_pages_and_names_stay_text(month, dept):
    urban = db.session.get(Department, dept("urban"))
    name = urban.name
    urban.name = '=HYPERLINK("http://x")'
    db.session.commit()
    try:
        result = run("department", "2026-11", now=RUN_AT)
        rows = list(csv.reader(io.StringIO(to_csv(result.tables["ranking"]).decode("utf-8-sig"))))
        names = [r[1] for r in rows[1:]]
        assert '\'=HYPERLINK("http://x")' in names
        summary = list(
            csv.reader(io.StringIO(to_csv(result.tables["summary"]).decode("utf-8-sig")))
        )
        head, values = summary
        assert values[head.index("按时签收率环比")] == "-14.3pp"  # a number, not text
        assert values[head.index("按时签收率同比")] == "—"
    finally:
        urban.name = name
        db.session.commit()
