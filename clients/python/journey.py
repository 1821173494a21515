"""The Python journey: a short app session through the client openapi-python-client
generates from openapi/openapi.json (register, sign in on a second device, record a
session with an Idempotency-Key retried, list the history, statistics). It passes
`mypy --strict` without casts, `Any` or ignores; where the spec forces one, the spec
is what to fix.

    ACUPRESS_TEST_BASE_URL=http://127.0.0.1:8080 python journey.py
"""

import datetime
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from acupress_client import AuthenticatedClient, Client
from acupress_client.api.auth import login, register
from acupress_client.api.history import create_session, get_stats, list_sessions
from acupress_client.models import (
    AuthResponse,
    LoginRequest,
    RegisterRequest,
    Session,
    SessionInput,
    SessionList,
    SessionWithWarnings,
    Stats,
    Step,
)
from acupress_client.models.pressure import Pressure
from acupress_client.models.side import Side
from acupress_client.types import UNSET, Response

T = TypeVar("T")
# What an operation may answer: some bodies (a sign-in: tokens, or a challenge) and problems.
Answer = TypeVar("Answer")
PASSWORD = "copper meadow lantern nine"


class JourneyError(Exception):
    """A step did not get the answer the contract promises."""


def expect(response: Response[Answer], status: int, kind: type[T]) -> T:
    """The parsed body of the expected answer; a problem or another status stops the run."""
    body = response.parsed
    if response.status_code != status or not isinstance(body, kind):
        raise JourneyError(f"expected {status} {kind.__name__}, got {response.status_code}: {response.content!r}")
    return body


def history_line(session: Session) -> str:
    """A history row: every field is sent, as null when it was not recorded."""
    condition: str | None = session.condition
    stress_after: int | None = session.stress_after
    notes: str | None = session.notes
    return f"{session.started_at:%Y-%m-%d} {condition or '-'} stress {stress_after} {notes or ''}"


def record(phone: AuthenticatedClient, started_at: datetime.datetime) -> tuple[Session, Session]:
    """A session sent twice with one Idempotency-Key: the retry replays the first answer."""
    body = SessionInput(
        started_at=started_at,
        duration_seconds=180,
        condition="insomnia",
        steps=[Step(point="HT7", side=Side.BOTH, seconds=90, pressure=Pressure.LIGHT)],
        stress_before=6,
        stress_after=3,
    )
    # The spec types the key as a UUID-patterned string: the stock generator sends a str.
    key = str(uuid.uuid4())
    first = create_session.sync_detailed(client=phone, body=body, idempotency_key=key)
    retry = create_session.sync_detailed(client=phone, body=body, idempotency_key=key)
    if retry.headers.get("idempotency-replayed") != "true":
        raise JourneyError("the retry is not marked as a replay")
    return expect(first, 201, SessionWithWarnings).session, expect(retry, 201, SessionWithWarnings).session


def list_all(phone: AuthenticatedClient) -> list[Session]:
    """The history, one row a page, until there is no next cursor."""
    rows: list[Session] = []
    cursor: str | None = None
    for _ in range(100):
        page = list_sessions.sync_detailed(client=phone, limit=1, cursor=UNSET if cursor is None else cursor)
        listed = expect(page, 200, SessionList)
        rows.extend(listed.items)
        cursor = listed.next_cursor
        if cursor is None:
            return rows
    raise JourneyError("the history list did not end")


def journey(base_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    email = f"python-{uuid.uuid4()}@example.org"
    signup = RegisterRequest(email=email, password=PASSWORD, display_name="Py", device_name="phone")
    auth = expect(register.sync_detailed(client=anonymous, body=signup), 201, AuthResponse)
    tablet_auth = expect(
        login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=PASSWORD, device_name="tablet")),
        200,
        AuthResponse,
    )
    if tablet_auth.user.id != auth.user.id:
        raise JourneyError("the tablet signed in to another account")

    phone = AuthenticatedClient(base_url=base_url, token=auth.tokens.access_token, raise_on_unexpected_status=True)
    tablet = AuthenticatedClient(base_url=base_url, token=tablet_auth.tokens.access_token, raise_on_unexpected_status=True)
    now = datetime.datetime.now(datetime.UTC)
    first, replayed = record(phone, now - datetime.timedelta(days=1))
    if first.id != replayed.id:
        raise JourneyError("the retry stored a second session")
    record(phone, now)

    rows = list_all(tablet)
    if [row.id for row in rows][-1:] != [first.id] or len(rows) != 2:
        raise JourneyError(f"expected the two sessions newest first, listed {[history_line(row) for row in rows]}")
    stats = expect(
        get_stats.sync_detailed(client=phone, from_=now.date() - datetime.timedelta(days=7), to=now.date()),
        200,
        Stats,
    )
    stress_change: float | None = stats.total.stress_change
    if stats.total.sessions != 2 or stress_change is None or stress_change >= 0:
        raise JourneyError(f"stats: {stats.total.sessions} sessions, stress change {stress_change}")


def timed(name: str, run: Callable[[], None]) -> int:
    started = time.monotonic()
    try:
        run()
    except Exception as error:  # any failure fails the run, with its reason
        print(f"python journey failed: {type(error).__name__}: {error}")
        return 1
    print(f"{name}: passed in {time.monotonic() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(timed("python journey", lambda: journey(os.environ["ACUPRESS_TEST_BASE_URL"].rstrip("/"))))
