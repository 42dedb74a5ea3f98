"""`/api/v1/docs`: Swagger UI served offline — every script and style comes from this server
(the `flask-swagger-ui` package's copy of Swagger UI), none from another one."""

import re
from importlib.resources import files

SOURCES = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_docs_page_loads_its_scripts_and_styles_from_our_own_server(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    sources = SOURCES.findall(html)
    assert "/api/v1/openapi.json" in sources
    assets = [s for s in sources if s.startswith("/api/v1/docs/")]
    assert any("swagger-ui-bundle.js" in s for s in assets) and any("swagger-ui.css" in s for s in assets)
    assert all(s.startswith("/") for s in sources), sources  # no other server
    assert "<script>" not in html  # no inline script
    for source in assets:
        answer = client.get(source)  # no token needed
        assert answer.status_code == 200, source
        assert answer.mimetype in ("text/javascript", "text/css", "image/png")


def test_swagger_ui_is_the_package_s_own_copy_and_never_calls_the_online_validator(client):
    bundle = client.get("/api/v1/docs/swagger-ui-bundle.js").data
    assert bundle == files("flask_swagger_ui").joinpath("dist", "swagger-ui-bundle.js").read_bytes()
    start = client.get("/api/v1/docs/docs.js").get_data(as_text=True)
    assert 'fetch("/api/v1/openapi.json")' in start and "validatorUrl: null" in start
    assert "spec.servers = [{url: window.location.origin" in start  # calls this very server
    assert "persistAuthorization: true" in start


def test_only_the_known_files_are_served(client):
    for name in ("index.template.html", "..%2Fflask_swagger_ui.py", "oauth2-redirect.html", "x.js"):
        assert client.get(f"/api/v1/docs/{name}").status_code == 404


def test_the_document_offers_the_bearer_token_the_headers_and_example_bodies(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    step = document["paths"]["/api/v1/pathways/{pathway_ref}/steps"]["post"]
    assert {p["name"] for p in step["parameters"] if p["in"] == "header"} == {"Idempotency-Key", "If-Match"}
    assert step["requestBody"]["content"]["application/json"]["examples"]
