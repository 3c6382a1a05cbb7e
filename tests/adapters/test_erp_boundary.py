"""The one map from httpx errors and HTTP statuses to `ErpError`s that every adapter uses."""

from __future__ import annotations

import httpx
import pytest

from erp.base import (
    ErpBadResponse,
    ErpError,
    ErpMisconfigured,
    ErpUnreachable,
    HttpAnswer,
    HttpHints,
    mapped_transport,
    raise_for_status,
    retry_after,
)

URL = "https://erp.example/api/rows"
PLAIN = HttpHints()


def answer(status: int, headers: dict[str, str] | None = None, body: str = "") -> httpx.Response:
    return httpx.Response(status, headers=headers, text=body, request=httpx.Request("GET", URL))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ErpMisconfigured),
        (403, ErpMisconfigured),
        (404, ErpMisconfigured),
        (408, ErpUnreachable),
        (429, ErpUnreachable),
        (500, ErpUnreachable),
        (502, ErpUnreachable),
        (503, ErpUnreachable),
        (599, ErpUnreachable),
        (201, ErpBadResponse),
        (302, ErpBadResponse),
        (400, ErpBadResponse),
        (409, ErpBadResponse),
    ],
)
def test_each_status_becomes_its_error(status: int, error: type[ErpError]) -> None:
    with pytest.raises(error) as caught:
        raise_for_status("Some ERP", answer(status), PLAIN)
    assert type(caught.value) is error and caught.value.system == "Some ERP"


def test_an_ok_status_raises_nothing() -> None:
    raise_for_status("Some ERP", answer(200), PLAIN)
    raise_for_status("Some ERP", answer(204), HttpHints(ok=range(200, 300)))


def test_the_adapter_declares_its_words_and_the_vendor_detail() -> None:
    hints = HttpHints(
        words={HttpAnswer.REFUSED: "HTTP {status} at {path}{detail}: check {hint}"},
        detail=lambda response: f": {response.text}",
    )
    with pytest.raises(ErpMisconfigured) as caught:
        raise_for_status("Some ERP", answer(403, body="no grant"), hints, hint="ERP_USERNAME")
    assert caught.value.reason == "HTTP 403 at /api/rows: no grant: check ERP_USERNAME"


def test_a_vendor_status_can_mean_a_refusal() -> None:
    hints = HttpHints(statuses={500: HttpAnswer.REFUSED})
    with pytest.raises(ErpMisconfigured, match="credentials refused"):
        raise_for_status("Some ERP", answer(500), hints)


def test_only_limits_what_raises_before_a_soap_fault_is_read() -> None:
    before_fault = (HttpAnswer.REFUSED,)
    raise_for_status("Some ERP", answer(500), PLAIN, only=before_fault)
    with pytest.raises(ErpMisconfigured):
        raise_for_status("Some ERP", answer(401), PLAIN, only=before_fault)


def test_retry_after_is_kept_and_said() -> None:
    with pytest.raises(ErpUnreachable) as caught:
        raise_for_status("Some ERP", answer(429, {"Retry-After": "30"}), PLAIN)
    assert caught.value.retry_after == 30.0
    assert caught.value.reason == "HTTP 429; asked to wait 30 s"


def test_retry_after_as_an_http_date() -> None:
    response = answer(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after(response, now=lambda: 1445412470.0) == 10.0
    assert retry_after(answer(503, {"Retry-After": "soon"})) is None
    assert retry_after(answer(503)) is None


@pytest.mark.parametrize(
    ("exc", "error", "reason"),
    [
        (httpx.ConnectTimeout("slow"), ErpUnreachable, "no answer within 2.5 s"),
        (httpx.ReadTimeout("slow"), ErpUnreachable, "no answer within 2.5 s"),
        (httpx.ConnectError("refused"), ErpUnreachable, "connection failed (ConnectError)"),
        (
            httpx.RemoteProtocolError("cut"),
            ErpUnreachable,
            "connection failed (RemoteProtocolError)",
        ),
        (httpx.ReadError("reset"), ErpUnreachable, "connection failed (ReadError)"),
        (
            httpx.DecodingError("gzip"),
            ErpBadResponse,
            "the answer could not be decoded (DecodingError)",
        ),
    ],
)
def test_each_transport_error_becomes_its_error(
    exc: httpx.HTTPError, error: type[ErpError], reason: str
) -> None:
    with pytest.raises(error) as caught, mapped_transport("Some ERP", 2.5):
        raise exc
    assert type(caught.value) is error and caught.value.reason == reason
    assert caught.value.__cause__ is None  # the httpx error (it may hold a URL) is not chained


def test_an_error_outside_the_table_is_not_hidden() -> None:
    with pytest.raises(httpx.TooManyRedirects), mapped_transport("Some ERP", 2.5):
        raise httpx.TooManyRedirects("loop")
