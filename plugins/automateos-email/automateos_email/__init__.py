"""AutomateOS email: the ``email_send`` node and the ``smtp`` credential type."""
