"""Reports (统计报表): the hotline's measures written once, and the reports built of them.

The contract (the pages, the PDF, the exports, the CLI and the monthly reports all use it, so
one report gives the same numbers everywhere)::

    from app.reports import Filters, Period, run, chart_option

    result = run("department", "2026-11", Filters(department_id=17), scope=None, locale="zh")
    result.tables["ranking"].frame     # a pandas DataFrame, one row per department, total last
    result.tables["ranking"].columns   # [Column(key, label zh/en, kind)] in the order shown
    for spec in result.charts:         # ChartSpec: type, title, table, dimension, measures
        option = chart_option(spec, result.tables[spec.table].frame, locale="zh")  # ECharts

- `run(name, period, filters=None, *, scope=None, locale="zh", now=None) -> ReportResult`:
  `name` is a file of reports/ (`definitions.all_reports()` lists them); `period` a `Period` or
  "YYYY-MM" (a bad month raises `Invalid` "bad_month"); `scope` the department ids the reader
  may see, from `app.auth.policy.report_scope(user)` (None: every department, for the CLI and
  the scheduler); `now` the time "overdue" is judged at (the clock's by default).
- A table's frame: per dimension a `<dim>` column of words and a `<dim>_key` column of keys;
  per measure its number (counts int, rates a float ratio 0..1, NaN when the denominator is
  zero: shown "—"); without a time dimension, `<measure>__mom` (环比) and `<measure>__yoy`
  (同比): a count's relative change, a rate's difference, NaN when there is nothing to compare.
- `format_cell(kind, value)` is how every output writes a number (app/reports/formatting.py).

Around it: `params.read(args, user)` reads a URL's (or a form's) month and filters, marking a
bad one by its field; `exports.to_csv(table)` / `exports.to_xlsx(result)` write the tables as
the page shows them; `cli.RENDERERS` maps `flask reports render --format` to a writer
`(result, locale, table) -> bytes` (the PDF adds "pdf" there); `custom` is the custom report
(a definition made on the spot, run by `result.run_definition`) and its saved picks.

Measures and their definitions: app/reports/measures.py. Aggregation runs in the database
(one GROUP BY per source and period); pandas only merges, rolls up and divides the groups.
"""

from app.reports.charts import chart_option
from app.reports.engine import Filters, Query, frame_for
from app.reports.periods import Period
from app.reports.result import ChartSpec, Column, ReportResult, TableResult, run

__all__ = [
    "ChartSpec",
    "Column",
    "Filters",
    "Period",
    "Query",
    "ReportResult",
    "TableResult",
    "chart_option",
    "frame_for",
    "run",
]
