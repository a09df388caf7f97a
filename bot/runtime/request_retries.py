"""How the Web API calls made while Slack waits for our answer are retried: within its 3 s.

With `process_before_response` the ack leaves only once the listener is done, so every Slack
call a listener makes (users.info for a first-time rep, views.open, a reply) spends the rep's
three seconds. slack_sdk's built-in rate-limit handler sleeps out `Retry-After` (5 s and
more), and its connection handler retries any call, `views.open` included, whose trigger_id
Slack honours for 3 s only. Here: an attempt gets ATTEMPT_SECONDS, a dropped connection one
quick retry, and neither a 429 nor a trigger_id is ever waited on.
"""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

ATTEMPT_SECONDS = 1.2
"""Slack answers in a few hundred milliseconds when it is well; one that has not answered in
1.2 s is not going to inside the rep's reply."""
RETRY_PAUSE_SECONDS = 0.1
RETRIES = 1
LONGEST_CALL_SECONDS = (RETRIES + 1) * ATTEMPT_SECONDS + RETRIES * RETRY_PAUSE_SECONDS
"""2.5 s: a call and its retry, inside the 3 s Slack waits for the ack."""

SINGLE_USE_TRIGGER_METHODS = ("views.open", "views.push", "dialog.open")
"""Calls carrying a trigger_id: Slack accepts it once and for 3 s, so a retry either fails
(expired_trigger_id) or, if the first attempt did land, opens the form twice."""


class DroppedConnectionRetry(ConnectionErrorRetryHandler):
    """One quick retry when the connection dropped or was refused; never after a timeout (the
    attempt already spent its share), and never for a trigger_id."""

    def __init__(self) -> None:
        super().__init__(
            max_retry_count=RETRIES,
            interval_calculator=FixedValueRetryIntervalCalculator(RETRY_PAUSE_SECONDS),
        )

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if uses_a_trigger(request) or _timed_out(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def uses_a_trigger(request: HttpRequest) -> bool:
    method = request.url.rstrip("/").rsplit("/", 1)[-1]
    return method in SINGLE_USE_TRIGGER_METHODS


def _timed_out(error: Exception | None) -> bool:
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, TimeoutError)


def request_retry_handlers() -> list[RetryHandler]:
    """No rate-limit handler: a 429 comes back at once as the SlackApiError `ratelimited`, and
    the listener refuses or goes on without the answer, as it does for any Slack error."""
    return [DroppedConnectionRetry()]
