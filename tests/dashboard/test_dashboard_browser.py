"""The dashboard in a real browser: what a developer sees and does, checked against what the
official SDK then sees.

Debian's Chromium is driven by Playwright, one browser per module; each test's page leaves a
screenshot in ``test-artifacts/dashboard/``. Playwright's own browser builds are never
downloaded: the system ``chromium`` is launched by path (``scripts/test`` installs it when it
is missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import lumaai
import pytest
from lumaai import LumaAI
from playwright.sync_api import Browser, Page, expect, sync_playwright

from mockluma.app import MockApp
from mockluma.handle import MockLuma
from mockluma.surfaces.dream_machine.catalog import FAILURES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
API_KEY = "luma-dashboard-key"
EVENT_INTERVAL = 0.1
"""Wall seconds between the event hub's looks in these tests (1 s when serving)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: while Playwright's sync API is running, the main thread's
    # asyncio believes a loop is running, and later tests that run one of their own would fail.
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test does).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def board(luma: MockLuma) -> MockLuma:
    """The session's mock, reset, with its dashboard's event hub looking often."""
    app = luma.app
    assert isinstance(app, MockApp)
    app.streams.interval = EVENT_INTERVAL
    return luma


@pytest.fixture
def page(browser: Browser, board: MockLuma, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def sdk(board: MockLuma) -> Iterator[LumaAI]:
    with LumaAI(auth_token=API_KEY, base_url=board.dream_machine_url, max_retries=0) as client:
        yield client


def open_page(page: Page, luma: MockLuma, path: str) -> None:
    page.goto(f"{luma.url}/_mockluma{path}")
    # The event stream is connected: live updates from here on.
    expect(page.locator("#live-status")).to_have_text("live")


def row(page: Page, generation_id: str) -> str:
    return f'#generations tr[data-id="{generation_id}"]'


def test_root_redirects_to_the_dashboard(page: Page, board: MockLuma) -> None:
    page.goto(board.url + "/")
    assert page.url == board.dashboard_url
    expect(page.locator("h1")).to_have_text("Overview")
    urls = page.locator(".urls input")
    expect(urls.first).to_have_value(board.dream_machine_url)


def test_a_generation_created_through_the_sdk_appears_without_a_reload(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    open_page(page, board, "/ui/generations")
    page.evaluate("window.notReloaded = true")
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert generation.id is not None
    line = page.locator(row(page, generation.id))
    expect(line).to_be_visible()
    expect(line).to_contain_text("dream-machine")
    expect(line).to_contain_text("ray-2")
    expect(line.locator(".badge")).to_have_text("queued")
    # The planned timeline is on the row: queued now, running and completed planned.
    expect(line.locator(".timeline .planned")).to_have_count(2)
    assert page.evaluate("window.notReloaded") is True


def test_advancing_the_clock_from_the_page_moves_the_state(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert generation.id is not None
    open_page(page, board, "/ui/generations")
    before = board.simulation.now()
    page.get_by_role("button", name="+10 s").click()
    expect(page.locator("#notice")).to_contain_text("Clock moved +10 s")
    assert board.simulation.now() == pytest.approx(before + 10)
    page.get_by_role("button", name="Until idle").click()
    expect(page.locator(row(page, generation.id)).locator(".badge")).to_have_text("succeeded")
    assert sdk.generations.get(generation.id).state == "completed"


def test_the_clock_buttons_work_from_the_keyboard(page: Page, board: MockLuma) -> None:
    open_page(page, board, "/")
    before = board.simulation.now()
    page.locator('[data-advance="60"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_contain_text("Clock moved +1 min")
    assert board.simulation.now() == pytest.approx(before + 60)


def test_fail_now_makes_the_sdk_see_failed_with_that_reason(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert generation.id is not None
    open_page(page, board, f"/ui/generations/{generation.id}")
    page.get_by_label(f"Failure kind for {generation.id}").select_option("moderation")
    page.get_by_role("button", name="Fail now").click()
    expect(page.locator("#state")).to_have_text("failed")
    seen = sdk.generations.get(generation.id)
    assert seen.state == "failed"
    assert seen.failure_reason == FAILURES["moderation"].reason
    expect(page.locator("#response-json")).to_contain_text(FAILURES["moderation"].reason)


def test_complete_now_and_delete_from_the_table(page: Page, board: MockLuma, sdk: LumaAI) -> None:
    first = sdk.generations.create(model="ray-2", prompt="one")
    second = sdk.generations.create(model="ray-2", prompt="two")
    assert first.id is not None
    assert second.id is not None
    open_page(page, board, "/ui/generations")
    page.locator(row(page, first.id)).get_by_role("button", name="Complete now").click()
    expect(page.locator(row(page, first.id)).locator(".badge")).to_have_text("succeeded")
    assert sdk.generations.get(first.id).state == "completed"
    page.locator(row(page, second.id)).get_by_role("button", name="Delete").click()
    expect(page.locator(row(page, second.id))).to_have_count(0)
    with pytest.raises(lumaai.NotFoundError):
        sdk.generations.get(second.id)


def test_a_fault_added_through_the_form_hits_the_next_sdk_call(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    open_page(page, board, "/ui/faults")
    page.get_by_label("Name").fill("gateway-down")
    page.get_by_label("API", exact=True).select_option("dream-machine")
    page.get_by_label("What goes wrong").select_option("error")
    page.get_by_label("Status").fill("503")
    page.get_by_label("Message").fill("Down for maintenance.")
    page.get_by_role("button", name="Add rule").click()
    rule = page.locator('#rules tr[data-rule="gateway-down"]')
    expect(rule).to_be_visible()
    with pytest.raises(lumaai.InternalServerError) as raised:
        sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert raised.value.status_code == 503
    # The hit count on the page follows, without a reload.
    expect(rule.locator('[data-count="fired"]')).to_have_text("1")
    rule.get_by_role("button", name="Remove").click()
    expect(rule).to_have_count(0)
    assert board.faults.list() == []


def test_the_fault_form_shows_the_schema_error_next_to_the_field(
    page: Page, board: MockLuma
) -> None:
    open_page(page, board, "/ui/faults")
    # Only the chosen effect's fields are shown (and sent).
    expect(page.get_by_label("Network fault")).to_be_hidden()
    page.get_by_label("What goes wrong").select_option("network")
    expect(page.get_by_label("Network fault")).to_be_visible()
    expect(page.get_by_label("Status")).to_be_hidden()
    page.get_by_label("What goes wrong").select_option("error")
    page.get_by_label("Name").fill("bad-status")
    page.get_by_label("Status").fill("200")
    page.get_by_role("button", name="Add rule").click()
    error = page.locator('[data-error-for="error.status"]')
    expect(error).to_have_text("200 is less than the minimum of 400.")
    expect(page.get_by_label("Status")).to_have_attribute("aria-invalid", "true")
    assert board.faults.list() == []


def test_a_journal_entry_opens_with_its_bodies(page: Page, board: MockLuma, sdk: LumaAI) -> None:
    open_page(page, board, "/ui/journal")
    generation = sdk.generations.create(model="ray-2", prompt="a journal fox")
    newest = page.locator("#journal tbody tr").first
    expect(newest).to_contain_text("/dream-machine/v1/generations")
    expect(newest).to_contain_text("201")
    newest.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Journal entry")
    expect(page.locator("#request-body")).to_contain_text('"prompt": "a journal fox"')
    expect(page.locator("#response-body")).to_contain_text(str(generation.id))
    page.get_by_role("button", name="Copy as curl").click()
    expect(page.locator("body")).to_have_attribute("data-copied", re.compile("^curl "))
    copied = page.locator("body").get_attribute("data-copied") or ""
    assert copied.startswith("curl -X POST ")
    assert f"Authorization: Bearer {sdk.auth_token}" in copied
    assert "a journal fox" in copied


def test_the_journal_filters_by_status(page: Page, board: MockLuma, sdk: LumaAI) -> None:
    sdk.generations.create(model="ray-2", prompt="found")
    with pytest.raises(lumaai.NotFoundError):
        sdk.generations.get("00000000-0000-4000-8000-000000000000")
    open_page(page, board, "/ui/journal")
    page.get_by_label("Status").fill("404")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#journal tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("404")


def test_the_video_preview_loads(page: Page, board: MockLuma, sdk: LumaAI) -> None:
    generation = sdk.generations.create(model="ray-2", prompt="a red fox in snow")
    assert generation.id is not None
    board.complete_now(generation.id)
    open_page(page, board, f"/ui/generations/{generation.id}")
    video = page.locator(".media video")
    expect(video).to_have_count(1)
    page.wait_for_function("document.querySelector('.media video').readyState >= 2")
    assert page.evaluate("document.querySelector('.media video').videoWidth") > 0


def test_callback_attempts_are_listed_with_their_payload(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    inbox = board.callback_inbox("dashboard", responses=[500, 200])
    generation = sdk.generations.create(model="ray-2", prompt="called back", callback_url=inbox.url)
    open_page(page, board, "/ui/callbacks")
    board.run_until_idle()
    attempts = page.locator("#attempts tbody tr")
    # dreaming and completed, each refused once (500) and then accepted (200).
    expect(attempts).to_have_count(4)
    expect(attempts.first).to_contain_text("completed")
    attempts.first.locator("summary").click()
    expect(attempts.first.locator("pre")).to_contain_text(str(generation.id))
    expect(page.locator(".inbox")).to_contain_text("4 received")


def test_a_narrow_window_needs_no_horizontal_scrolling_of_the_page(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    sdk.generations.create(model="ray-2", prompt="narrow")
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/", "/ui/generations", "/ui/journal", "/ui/faults", "/ui/callbacks"):
        page.goto(f"{board.url}/_mockluma{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} is {overflow}px wider than a 360px window"


def test_the_overview_counts_generations_per_state_across_apis(
    page: Page, board: MockLuma, sdk: LumaAI
) -> None:
    ids = [
        str(sdk.generations.create(model="ray-2", prompt=f"fox number {n}").id) for n in range(4)
    ]
    board.complete_now(ids[0])
    board.fail_now(ids[1], "moderation")
    board.advance(1)
    with httpx.Client(base_url=board.umami_url) as umami:
        made = umami.post(
            "/luma-ai/generations",
            headers={"authorization": "Bearer umami-key"},
            json={"user_prompt": "a fox from umami", "aspect_ratio": "16:9"},
        )
        assert made.status_code < 300
    open_page(page, board, "/")
    counts = page.locator("#counts")
    dream = counts.locator("tbody tr").filter(has_text="dream-machine")
    expect(dream.locator('[data-state="succeeded"]')).to_have_text("1")
    expect(dream.locator('[data-state="failed"]')).to_have_text("1")
    expect(dream.locator('[data-state="queued"]')).to_have_text("2")
    umami_row = counts.locator("tbody tr").filter(has_text="umami")
    expect(umami_row.locator('[data-state="queued"]')).to_have_text("1")
    # The generations page, as the docs show it.
    page.set_viewport_size({"width": 1200, "height": 640})
    open_page(page, board, "/ui/generations")
    expect(page.locator("#generations tbody tr")).to_have_count(5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-generations.png")
