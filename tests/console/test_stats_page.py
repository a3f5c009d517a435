"""The statistics page in a real browser: KPI tiles and charts render, the export downloads a valid XLSX
for the chosen period; an operator's page shows no figures and the API refuses them."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from openpyxl import load_workbook

from tests.browser import screenshot
from tests.console.conftest import Server, sign_in
from tests.console.test_queue_page import only_own_origin


def test_the_statistics_render_and_the_xlsx_export_is_valid(page: Any, server: Server) -> None:
    for _ in range(3):
        server.submit("Cứu em với, em đang bị nhốt ở Campuchia", location={"province": "Hà Nội"})
    sign_in(page, server, "supervisor")
    page.goto(f"{server.url}/console/stats.html")
    page.wait_for_selector("#figures:not(.hidden) .tile")
    assert int(page.inner_text("#tiles .tile .value")) >= 3
    assert page.query_selector("#chart-province svg.chart rect.bar") is not None
    assert "Hà Nội" in page.inner_text("#chart-province")

    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    page.select_option("#period", "quarter")
    page.select_option("#number", str((now.month - 1) // 3 + 1))
    page.click("#period-form button[type=submit]")
    page.wait_for_selector("#chart-month svg.chart")
    assert "Tháng" in page.inner_text("#chart-month")
    screenshot(page, "console_stats_quarter")

    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.startswith("thong-ke-quarter-") and download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as f:
        book = load_workbook(io.BytesIO(f.read()))
    rows = {(r[0], r[1] or ""): r[2] for r in book.active.iter_rows(min_row=2, values_only=True)}
    assert rows[("period", "")].startswith("quarter:") and rows[("received", "")] >= 3
    assert rows[("by_province", "Hà Nội")] >= 3
    with page.expect_download() as info:
        page.click("#export-csv")
    assert info.value.suggested_filename.endswith(".csv")
    only_own_origin(page, server)


def test_an_operator_gets_no_figures_and_an_auditor_no_personal_field(page: Any, server: Server) -> None:
    secret = "Trần Văn Bình"
    accepted = server.submit(f"{secret} bị nhốt ở Campuchia, cứu với", contact="0988 111 222")
    assert httpx.get(f"{server.url}/v1/stats", params={"period": "year", "year": 2026},
                     headers=server.headers("operator")).status_code == 403
    sign_in(page, server, "operator")
    page.goto(f"{server.url}/console/stats.html")
    page.wait_for_selector("#error:has-text('giám sát viên')")
    assert page.is_hidden("#figures")

    page.context.clear_cookies()
    page.evaluate("sessionStorage.clear()")
    sign_in(page, server, "auditor")
    page.goto(f"{server.url}/console/report.html?id={accepted['id']}")
    page.wait_for_selector("#no-personal")
    content = page.content()
    assert secret not in content and "0988" not in content
    assert page.is_hidden("#actions")  # an auditor reads, never acts
    screenshot(page, "console_report_auditor")
    body = httpx.get(f"{server.url}/v1/reports/{accepted['id']}", headers=server.headers("auditor")).json()
    assert body["narrative"] is None and body["contact"] is None

    import sqlite3

    with sqlite3.connect(server.database) as db:
        views = db.execute("SELECT role, action, fields FROM audit_log WHERE report_id = ?", (accepted["id"],)).fetchall()
    assert ("auditor", "read", "[]") in views  # the page's view and the API's: both recorded
    assert sum(v[0] == "auditor" for v in views) >= 2
