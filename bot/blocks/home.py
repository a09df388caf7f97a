"""The App Home tab as Block Kit: the rep's dashboard, built from the digest's own plan and
the weekly picture's own numbers.

Pure functions returning dicts. The Home holds 100 blocks, so the plan gets what the
header, the week's numbers and the buttons leave, cut the same way the digest is.
"""

from __future__ import annotations

from bot import ids
from bot.blocks.common import button, context, section
from bot.blocks.digest import build_plan_blocks
from bot.blocks.insights import build_week_blocks
from bot.blocks.modals import info_modal
from bot.insights.digest_plan import DigestPlan, Section
from bot.insights.weekly import WeekReport

SURFACE_BLOCK_LIMIT = 100
DIGEST_COMMANDS = (
    "Change it with `/digest time 06:45`, `/digest days mon,tue,wed,thu`, "
    "`/digest pause` or `/digest resume`, and preview it with `/digest now`."
)


def build_home_view(
    plan: DigestPlan,
    week: WeekReport,
    digest_settings: list[dict[str, object]],
    crm: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    """Buttons first (the rep opens Home to act), then the week, then today's list.
    `crm` is the CRM line (see blocks.crm), under the settings."""
    day = f"{plan.local_date:%a %b} {plan.local_date.day}"
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Phone Tag · {day}"}},
        {
            "type": "actions",
            "elements": [
                button("Log a call", ids.HOME_LOG_CALL, style="primary"),
                button("Edit profile", ids.HOME_EDIT_PROFILE),
                button("Digest settings", ids.HOME_DIGEST_SETTINGS),
            ],
        },
        *build_week_blocks(week, with_connect_rate=True),
        {"type": "divider"},
    ]
    if not plan.entries(Section.RETURN_CALLS):
        blocks.append(section(":white_check_mark: *Return calls owed:* none."))
    footer = [{"type": "divider"}, *digest_settings, *(crm or [])]
    blocks += build_plan_blocks(plan, SURFACE_BLOCK_LIMIT - len(blocks) - len(footer))
    return {"type": "home", "blocks": blocks + footer}


def build_digest_settings_modal(settings: list[dict[str, object]]) -> dict[str, object]:
    """The settings as `/digest` shows them, with the commands that change them."""
    return info_modal("Daily digest", [*settings, context(DIGEST_COMMANDS)], close="Close")
