"""The newest entries of the administration's audit log."""

from __future__ import annotations

from flask import render_template, request

from app.admin import audit
from app.pages.admin.common import bp

TARGET_TYPES = ("department", "user", "case_type", "category", "holiday", "holiday_year")


@bp.get("/audit")
def audit_log():
    target = request.args.get("type")
    target = target if target in TARGET_TYPES else None
    return render_template(
        "pages/admin/audit.html",
        entries=audit.recent(200, target),
        target=target,
        target_types=TARGET_TYPES,
    )
