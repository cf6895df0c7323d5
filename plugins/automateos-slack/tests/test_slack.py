"""The Slack nodes against a local Slack stand-in, through AutomateOS's kit only."""
from __future__ import annotations

import json
from typing import Any

from automateos.nodes.base import NodeError, RetryableNodeError
from automateos.nodes.ssrf import BlockedDestination

from automateos_slack.nodes import SlackMessage, SlackWebhookMessage

from slack_stub import BOT_TOKEN, WEBHOOK_PATH, FakeSlack

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 42* shipped"}}]


def bot(slack: FakeSlack, token: str = BOT_TOKEN) -> dict[str, Any]:
    return {"token": token, "api_url": slack.api_url}


def post(run_node, slack: FakeSlack, params: dict[str, Any], input: Any = None, **kwargs: Any) -> Any:
    kwargs.setdefault("credentials", bot(slack))
    return run_node(SlackMessage, params, input, http_allowed=[("127.0.0.1", slack.port)], **kwargs)


def hook(run_node, slack: FakeSlack, params: dict[str, Any], url: str | None = None) -> Any:
    return run_node(SlackWebhookMessage, params, {"id": 42}, credentials={"url": url or slack.webhook_url},
                    http_allowed=[("127.0.0.1", slack.port)])


def test_the_nodes_honour_the_contract_and_are_installed(check_node_contract) -> None:
    for node in (SlackMessage, SlackWebhookMessage):
        check_node_contract(node, installed=True)
        assert node.blocking


def test_chat_post_message_sends_json_with_the_bot_token(run_node, slack) -> None:
    run = post(run_node, slack, {"channel": "#general", "text": "Order {{ input.id }} shipped"}, {"id": 42})

    assert run.ok, run.error
    assert run.output == {"channel": "C0123456", "ts": "1700000000.000001"}
    [request] = slack.requests
    assert request["path"] == "/api/chat.postMessage"
    assert request["headers"]["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"]) == {"channel": "#general", "text": "Order 42 shipped"}
    assert [line["message"] for line in run.logs] == ["posted message 1700000000.000001 to C0123456"]


def test_blocks_and_a_thread_reply(run_node, slack) -> None:
    run = post(run_node, slack, {"channel": "C0123456", "blocks": BLOCKS, "thread_ts": "{{ input.ts }}"},
               {"ts": "1700000000.000001"})

    assert run.ok, run.error
    assert slack.posted[0]["blocks"] == BLOCKS and slack.posted[0]["thread_ts"] == "1700000000.000001"
    assert "text" not in json.loads(slack.requests[0]["body"])


def test_slack_refusing_the_channel_fails_with_its_error(run_node, slack) -> None:
    run = post(run_node, slack, {"channel": "#nowhere", "text": "hi"})

    assert isinstance(run.exception, NodeError) and not isinstance(run.exception, RetryableNodeError)
    assert run.error["message"] == "Slack refused the message: channel_not_found"
    assert len(run.attempts) == 1


def test_a_wrong_token_fails_without_showing_it(run_node, slack) -> None:
    wrong = "xoxb-0000-0000-wrongwrongwrong"
    run = post(run_node, slack, {"channel": "#general", "text": "hi"}, credentials=bot(slack, wrong))

    assert run.error["message"] == "Slack refused the message: invalid_auth"
    assert wrong not in json.dumps(run.error) + json.dumps(run.logs)


def test_a_rate_limit_is_retried_after_slacks_retry_after(run_node, slack) -> None:
    slack.answers = [(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})]

    run = post(run_node, slack, {"channel": "#general", "text": "hi"})

    assert run.ok, run.error
    assert isinstance(run.attempts[0].exception, RetryableNodeError)
    assert run.attempts[0].exception.retry_after == 7.0
    assert run.delays[0] >= 7.0 and len(run.attempts) == 2


def test_an_ok_false_internal_error_is_retried_then_fails(run_node, slack) -> None:
    slack.answers = [(200, {"ok": False, "error": "internal_error"}, {})] * (SlackMessage.max_retries + 1)

    run = post(run_node, slack, {"channel": "#general", "text": "hi"})

    assert run.error["message"] == "Slack could not post the message: internal_error"
    assert len(run.attempts) == SlackMessage.max_retries + 1


def test_params_need_a_channel_and_some_content(run_node, slack) -> None:
    no_text = post(run_node, slack, {"channel": "#general"})
    no_channel = post(run_node, slack, {"text": "hi"})

    for run in (no_text, no_channel):
        assert not run.ok and "params are invalid" in run.error["message"]
    assert slack.requests == []


def test_the_credential_must_be_a_slack_token(run_node, slack) -> None:
    try:
        post(run_node, slack, {"channel": "#general", "text": "hi"}, credentials=bot(slack, "ghp_notslack"))
    except ValueError as exc:
        assert "Not a Slack token" in str(exc)
    else:
        raise AssertionError("a token that is not Slack's was accepted")


def test_private_addresses_are_refused_unless_allowed(run_node, slack) -> None:
    run = run_node(SlackMessage, {"channel": "#general", "text": "hi"}, credentials=bot(slack))

    assert isinstance(run.exception, BlockedDestination) and slack.requests == []


def test_incoming_webhook_posts_json_and_reads_ok(run_node, slack) -> None:
    run = hook(run_node, slack, {"text": "Order {{ input.id }} shipped", "blocks": BLOCKS})

    assert run.ok, run.error
    assert run.output == {"ok": True}
    [request] = slack.requests
    assert request["path"] == WEBHOOK_PATH and request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"text": "Order 42 shipped", "blocks": BLOCKS}


def test_a_removed_webhook_fails_with_no_service_and_no_url(run_node, slack) -> None:
    gone = slack.webhook_url.replace("s3cr3tw3bh00kp4th", "removedhookpath")
    run = hook(run_node, slack, {"text": "hi"}, url=gone)

    assert run.error["type"] == "NodeError" and "HTTP 404" in run.error["message"]
    assert "no_service" in run.error["message"]
    assert "removedhookpath" not in json.dumps(run.error) + json.dumps(run.logs)
    assert len(run.attempts) == 1


def test_a_webhook_outage_is_retried(run_node, slack) -> None:
    slack.answers = [(503, "service_unavailable", {})]

    run = hook(run_node, slack, {"text": "hi"})

    assert run.ok, run.error
    assert len(run.attempts) == 2 and slack.posted == [{"text": "hi"}]


def test_an_unreachable_webhook_is_retried_and_hides_its_url(run_node, slack) -> None:
    url = slack.webhook_url
    slack.stop()  # nothing listens any more

    run = hook(run_node, slack, {"text": "hi"}, url=url)

    assert isinstance(run.exception, RetryableNodeError)
    assert run.error["message"] == "could not reach the Slack incoming webhook: ConnectionError"
    assert "s3cr3tw3bh00kp4th" not in json.dumps(run.error)
    assert len(run.attempts) == SlackWebhookMessage.max_retries + 1
