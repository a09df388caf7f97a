"""Slack's escaping undone once, so the rep's text is stored and matched as they typed it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.mrkdwn import escape
from bot.grammar.slack_text import decode

SENT_AND_TYPED = [
    ("Tom &amp; Jerry vm", "Tom & Jerry vm"),
    ("a &lt;b&gt; c", "a <b> c"),
    ("email:<mailto:jane@acme.com|jane@acme.com>", "email:jane@acme.com"),
    ("email:<mailto:jane@acme.com>", "email:jane@acme.com"),
    ("phone:<tel:+13125550100|312 555 0100>", "phone:312 555 0100"),
    ("see <https://acme.com|acme.com> now", "see acme.com now"),
    ("see <https://acme.com/?a=1&amp;b=2>", "see https://acme.com/?a=1&b=2"),
    ("ask <@U123|sam> first", "ask sam first"),
    ("ask <@U123>", "ask @U123"),
    ("in <#C123|general>", "in #general"),
    ("<!here> and <!channel> and <!everyone>", "@here and @channel and @everyone"),
    ("<!subteam^S1|@sales>", "@sales"),
    ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
    ("R&amp;D &amp;amp; more", "R&D &amp; more"),
    # What the rep typed as text stays text: decoded once, never read again as a mention.
    ("&lt;@U1&gt; &lt;!channel&gt;", "<@U1> <!channel>"),
    ("plain O'Brien vm", "plain O'Brien vm"),
]


@pytest.mark.parametrize(("sent", "typed"), SENT_AND_TYPED)
def test_what_slack_sends_reads_as_what_the_rep_typed(sent: str, typed: str) -> None:
    assert decode(sent) == typed


def test_a_channel_argument_keeps_its_id() -> None:
    assert decode("team <#C123|sales> &amp;", keep_channel_mentions=True) == (
        "team <#C123|sales> &"
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_text_escaped_as_slack_escapes_it_decodes_to_itself(typed: str) -> None:
    """Slack escapes exactly what `escape` does; decoding is its inverse, so nothing typed is
    changed and nothing is decoded twice."""
    assert decode(escape(typed)) == typed
