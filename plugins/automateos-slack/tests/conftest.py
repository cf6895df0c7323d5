"""Fixture: the local Slack stand-in (tests/slack_stub.py), running for one test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from slack_stub import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A Slack stand-in on 127.0.0.1 (a random port)."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()
