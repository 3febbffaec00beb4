"""/docs and /redoc work without internet: every script, style and icon they load is served by the service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import create_app
from sufficiency.app.settings import Settings
from sufficiency.app.store.testing import sqlite_url


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("docs")
    with TestClient(create_app(Settings(mode="test", database_url=sqlite_url(folder)))) as test_client:
        yield test_client


def _loads(html: str) -> list[str]:
    """Every URL a page loads: script and link sources, and the URLs its inline script names."""
    return re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html) + re.findall(r"url: '([^']+)'", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_nothing_from_another_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html and "unpkg.com" not in html
    loads = _loads(html)
    assert any(u.endswith(".js") for u in loads), loads
    for url in loads:
        assert url.startswith("/"), f"{page} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100 or url.endswith(".json"), url


def test_the_assets_are_the_real_libraries(client: TestClient) -> None:
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text
    assert "Redoc" in client.get("/docs-assets/redoc.standalone.js").text[:2000]
    assert ".swagger-ui" in client.get("/docs-assets/swagger-ui.css").text
