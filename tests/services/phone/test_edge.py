"""Whatever reaches the phone paths, the answer is never a 5xx and an unverified body
writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.models import PhoneEventRow
from tests.handlers.interactions import count
from tests.services.phone.conftest import Phones

CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5).map(
        lambda d: str(d).replace("'", '"').encode()
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/phone/aircall", "/phone/twilio"]),
    body=BODIES,
    kind=CONTENT_TYPES,
    signature=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
)
def test_unverified_bodies_are_refused_below_500(
    phones: Phones, path: str, body: bytes, kind: str, signature: str
) -> None:
    """With both tokens configured, so the check that refuses is the real one."""
    headers = {"Content-Type": kind, "X-Twilio-Signature": signature}
    reply = phones.slack.post(body.decode("latin-1"), headers, path)
    assert reply.status in (400, 401), reply.body
    assert count(phones.slack, PhoneEventRow) == 0
