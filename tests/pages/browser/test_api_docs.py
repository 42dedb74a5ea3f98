"""The API reference in a real browser, with every request to another server refused: Swagger
UI renders every operation, takes a bearer token, and tries a call with it."""

from playwright.sync_api import expect


def test_swagger_ui_renders_every_operation_offline_and_tries_one_with_a_token(page, live_url, client, tokens):
    outside = []

    def only_our_server(route):
        if route.request.url.startswith(live_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [op["operationId"] for item in document["paths"].values()
                  for op in item.values() if isinstance(op, dict) and "operationId" in op]
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock")).to_have_count(len(operations))
    assert outside == []

    # a bearer token through "Authorize", then "Try it out" on GET /me
    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".auth-container input").fill(tokens["referent"])
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    me = page.locator("[id^='operations-'][id$='-get_me']")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    expect(me.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(me.locator(".live-responses-table")).to_contain_text('"role": "referent"')

    # a step's form offers the If-Match and Idempotency-Key headers and an example body
    step = page.locator("[id^='operations-'][id$='-log_step']")
    step.locator(".opblock-summary").click()
    step.get_by_role("button", name="Try it out").click()
    expect(step.locator("tr[data-param-name='If-Match'] input")).to_be_visible()
    expect(step.locator("tr[data-param-name='Idempotency-Key'] input")).to_be_visible()
    expect(step.locator("textarea.body-param__text")).to_contain_text('"step"')
    assert outside == []
