"""The API docs page: Swagger UI from the npm package, served by the app, reading
/api/v1/openapi.json under the pages' CSP (no inline script), with every operation listed and
no request leaving the server."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.pages.conftest import screenshot


def test_the_page_serves_swagger_ui_from_our_own_assets(client):
    resp = client.get("/api/docs")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "/assets/swagger-ui-dist/" in html and "swagger-ui-bundle.js" in html
    assert "/static/api-docs.js" in html and 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html  # nothing inline
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_every_operation_is_listed_in_the_browser(page, live_server, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    requested: list[str] = []
    problems: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "response",
        lambda r: (
            failed.append(r.url)
            if r.status >= 400 and not r.url.endswith("/favicon.ico")  # the browser's own ask
            else None
        ),
    )
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto("/api/docs")
    page.wait_for_selector('[data-testid="swagger-ui"][data-docs-ready="1"]')
    page.wait_for_selector(".opblock")
    shown = {
        (
            block.locator(".opblock-summary-method").inner_text().strip(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in page.locator(".opblock").all()
    }
    assert shown == operations
    assert ("GET", "/api/v1/reference/calendar") in shown
    assert (
        page.locator(".information-container .title").inner_text().startswith("Minqing 12345 API")
    )
    ours = urlparse(live_server).netloc
    outside = [u for u in requested if u.startswith("http") and urlparse(u).netloc != ours]
    assert requested and not outside, outside
    assert not failed and not problems, (failed, problems)  # CSP refusals are console errors
    screenshot(page, "api-docs")
