"""The control API is protected by default: no cross-site simple requests, a Host allowlist,
an admin token when one is set, masked keys, an allowlist of callback hosts, and a refusal to
serve the control API to the network without a token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockluma.app.guard import TOKEN_COOKIE, exposure_refusal, mask_key
from mockluma.cli import main
from mockluma.config import build_config
from mockluma.handle import MockLuma

DM = "/dream-machine/v1"
KEY = "luma-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
TOKEN = "s3cret-admin-token"


def served(**settings: Any) -> MockLuma:
    return MockLuma(in_process=True, clock="manual", seed=7, **settings)


@pytest.fixture
def mock() -> Iterator[MockLuma]:
    with served() as luma:
        yield luma


def client(luma: MockLuma, host: str = "127.0.0.1:8000") -> httpx.Client:
    return httpx.Client(transport=luma.sync_transport(), base_url=f"http://{host}")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_mockluma/reset", b"{}"),
        ("/_mockluma/faults", b'{"error": {"status": 503}}'),
        ("/_mockluma/clock/advance", b'{"seconds": 60}'),
    ],
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_cross_site_simple_post_cannot_change_state(
    mock: MockLuma, path: str, body: bytes, content_type: str | None
) -> None:
    before = mock.simulation.clock.now()
    headers = {} if content_type is None else {"Content-Type": content_type}
    with client(mock) as http:
        refused = http.post(path, content=body, headers=headers)
        assert refused.status_code == 415
        assert "application/json" in refused.json()["error"]
        assert "access-control-allow-origin" not in refused.headers
        assert http.get("/_mockluma/faults").json() == {"rules": []}
    assert mock.simulation.clock.now() == before


def test_json_or_the_admin_header_is_accepted(mock: MockLuma) -> None:
    with client(mock) as http:
        assert http.post("/_mockluma/clock/advance", json={"seconds": 1}).status_code == 200
        plain = {"X-Mockluma-Admin": "1", "Content-Type": "text/plain"}
        advanced = http.post("/_mockluma/clock/advance", content=b'{"seconds": 1}', headers=plain)
        assert advanced.status_code == 200


def test_no_preflight_is_ever_granted(mock: MockLuma) -> None:
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    with client(mock) as http:
        answer = http.options("/_mockluma/reset", headers=preflight)
    assert answer.status_code == 405
    assert not [name for name in answer.headers if name.startswith("access-control-")]


@pytest.mark.parametrize("path", ["/_mockluma/journal", "/_mockluma/clock", "/_mockluma/faults"])
def test_a_foreign_host_is_refused(mock: MockLuma, path: str) -> None:
    with client(mock, host="rebound.evil.example:8000") as http:
        refused = http.get(path)
    assert refused.status_code == 403
    assert "--allowed-host" in refused.json()["error"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "app.localhost"])
def test_loopback_names_are_allowed(mock: MockLuma, host: str) -> None:
    with client(mock, host=host) as http:
        assert http.get("/_mockluma/journal").status_code == 200


def test_the_apis_answer_any_host(mock: MockLuma) -> None:
    # Only the control API is guarded: a client may reach the APIs by any name.
    with client(mock, host="mock.internal:8000") as http:
        assert http.get(f"{DM}/credits", headers=AUTH).status_code == 200


def test_allowed_hosts_extend_the_list() -> None:
    with served(allowed_hosts=["mock.internal"]) as luma, client(luma, "mock.internal") as http:
        assert http.get("/_mockluma/journal").status_code == 200
    with served(allowed_hosts=["*"]) as luma, client(luma, "anything.example") as http:
        assert http.get("/_mockluma/journal").status_code == 200


def test_the_admin_token_is_required_when_set() -> None:
    with served(admin_token=TOKEN) as luma, client(luma) as http:
        missing = http.get("/_mockluma/journal")
        assert missing.status_code == 401
        assert "--admin-token" in missing.json()["error"]
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = http.post("/_mockluma/reset", json={}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert http.post("/_mockluma/reset", json={}, headers=bearer).status_code == 200
        assert http.get("/_mockluma/health").status_code == 200  # holds no data
        assert http.get(f"{DM}/credits", headers=AUTH).status_code == 200  # APIs unaffected


def test_the_token_stands_in_for_the_host_check() -> None:
    # A rebinding page cannot know the token, so a caller holding it may use any name.
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with served(admin_token=TOKEN) as luma, client(luma, "192.0.2.10:8000") as http:
        assert http.get("/_mockluma/journal", headers=bearer).status_code == 200
        assert http.get("/_mockluma/health").status_code == 403


def test_the_token_can_come_from_the_environment() -> None:
    config = build_config({}, environ={"MOCKLUMA_ADMIN_TOKEN": TOKEN})
    assert config.admin_token == TOKEN


def test_inboxes_receive_callbacks_without_the_token() -> None:
    with served(admin_token=TOKEN) as luma, client(luma) as http:
        assert http.post("/_mockluma/inbox/hook", json={"id": "x"}).status_code == 200
        assert http.get("/_mockluma/inbox/hook").status_code == 401


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_network_bind_without_a_token_refuses_to_start(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--host", host, "--port", "0"])
    message = str(stopped.value)
    assert "--admin-token" in message
    assert "--unsafe-open-admin" in message
    assert "listening" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "settings",
    [
        {"host": "127.0.0.1"},
        {"host": "localhost"},
        {"host": "::1"},
        {"host": "0.0.0.0", "admin_token": TOKEN},
        {"host": "0.0.0.0", "unsafe_open_admin": True},
    ],
)
def test_these_binds_may_start(settings: dict[str, Any]) -> None:
    assert exposure_refusal(build_config(settings, environ={})) is None


def test_api_keys_are_masked_in_the_journal(mock: MockLuma) -> None:
    with client(mock) as http:
        http.get(f"{DM}/credits", headers=AUTH)
        (entry,) = http.get("/_mockluma/journal").json()
        assert entry["api_key"] == mask_key(KEY) == "luma…6789"
        assert KEY not in http.get("/_mockluma/journal").text
        # Filtering by the whole key still works.
        assert len(http.get("/_mockluma/journal", params={"api_key": KEY}).json()) == 1


def test_api_keys_can_be_shown() -> None:
    with served(mask_api_keys=False) as luma, client(luma) as http:
        http.get(f"{DM}/credits", headers=AUTH)
        assert http.get("/_mockluma/journal").json()[0]["api_key"] == KEY


@pytest.mark.parametrize("key", ["k", "short-key", "luma-0123456789"])
def test_a_masked_key_never_shows_most_of_it(key: str) -> None:
    masked = mask_key(key)
    assert masked is not None
    assert len(masked.replace("…", "")) <= len(key) // 2 + 1


def create(http: httpx.Client, callback_url: str) -> httpx.Response:
    body = {"model": "ray-2", "prompt": "a lighthouse at dusk", "callback_url": callback_url}
    return http.post(f"{DM}/generations", json=body, headers=AUTH)


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://[fe80::1]/x"],
)
def test_private_callback_targets_are_refused_in_the_apis_dialect(mock: MockLuma, url: str) -> None:
    with client(mock) as http:
        refused = create(http, url)
    assert refused.status_code == 422
    assert "--callback-hosts" in refused.json()["detail"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "https://hooks.example.com/x", "http://receiver/x"]
)
def test_loopback_and_public_callback_targets_are_allowed(mock: MockLuma, url: str) -> None:
    with client(mock) as http:
        assert create(http, url).status_code == 201


def test_callback_hosts_narrow_the_targets() -> None:
    with served(callback_hosts="*.example.com,127.0.0.1") as luma, client(luma) as http:
        assert create(http, "https://hooks.example.com/x").status_code == 201
        assert create(http, "http://127.0.0.1:9/x").status_code == 201
        refused = create(http, "https://elsewhere.org/x")
        assert refused.status_code == 422
        assert "elsewhere.org" in refused.json()["detail"]


def test_a_browser_without_the_token_gets_a_page_asking_for_it() -> None:
    with served(admin_token=TOKEN) as luma, client(luma) as http:
        http.get(f"{DM}/credits", headers=AUTH)
        page = http.get("/_mockluma/journal", headers={"Accept": "text/html,*/*"})
        assert page.status_code == 401
        assert page.headers["content-type"].startswith("text/html")
        assert "--admin-token" in page.text
        assert KEY not in page.text  # holds no data
        assert "/dream-machine" not in page.text


def test_the_token_may_come_as_the_dashboards_cookie() -> None:
    with served(admin_token=TOKEN) as luma, client(luma) as http:
        cookie = {"Cookie": f"other=1; {TOKEN_COOKIE}={TOKEN}"}
        assert http.get("/_mockluma/journal", headers=cookie).status_code == 200
        wrong = {"Cookie": f"{TOKEN_COOKIE}=nope"}
        assert http.get("/_mockluma/journal", headers=wrong).status_code == 401


def test_any_mockluma_header_makes_a_post_non_simple(mock: MockLuma) -> None:
    headers = {"X-Mockluma-Dashboard": "1", "Content-Type": "text/plain"}
    with client(mock) as http:
        answer = http.post("/_mockluma/clock/advance", content=b'{"seconds": 1}', headers=headers)
    assert answer.status_code == 200
