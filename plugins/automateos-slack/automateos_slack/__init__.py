"""AutomateOS Slack: the ``slack_message`` (bot token, chat.postMessage) and
``slack_webhook_message`` (incoming webhook) nodes and their credential types."""
