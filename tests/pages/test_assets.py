"""Every asset is served by the app from the npm packages the setup installed; no CDN."""

from __future__ import annotations

import re

from app.pages.assets import version


def test_a_page_loads_only_assets_of_ours(client):
    html = client.get("/login").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        if source.startswith(("/assets/", "/static/")):
            assert client.get(source).status_code == 200, source


def test_an_asset_is_kept_by_browsers_for_a_year(client):
    resp = client.get(f"/assets/htmx.org/{version('htmx.org')}/htmx.min.js")
    assert resp.status_code == 200
    assert "max-age=31536000" in resp.headers["Cache-Control"]


def test_only_listed_packages_current_versions_and_no_escape(client):
    ver = version("htmx.org")
    for path in (
        "/assets/htmx.org/0.0.1/htmx.min.js",
        f"/assets/htmx.org/{ver}/../package.json",
        f"/assets/htmx.org/{ver}/%2e%2e/package.json",
        "/assets/preact/10.0.0/preact.js",
        f"/assets/swagger-ui-dist/{version('swagger-ui-dist')}/swagger-ui-bundle.js.map",
    ):
        assert client.get(path).status_code == 404, path
