"""`/prospect erase` and `/prospect export`: a person erased on request, a workspace's data
handed to its admin. The erase form's submission is in `views.erase`.

Who may: the owner erases their own prospect; a workspace admin or owner (Slack's
users.info says, and when Slack can't say, the answer is no) erases anyone's and exports.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import build_problem, ephemeral, section
from bot.blocks.mrkdwn import escape
from bot.blocks.privacy import MAX_ERASED_AT_ONCE, build_erase_modal
from bot.grammar.prospect import USAGE
from bot.services.privacy import send_export
from handlers.reps import ActingRep, workspace_admin
from storage import privacy, queries
from storage import prospects as prospect_store

if TYPE_CHECKING:
    from bot.services.context import Services

Reply = dict[str, object]
SLACK_SILENT = (
    "I couldn't ask Slack whether you are a workspace admin, so nothing was {}. Try again."
)
EXPORT_ADMINS_ONLY = (
    "Only workspace admins and owners can export the workspace's data: ask one of them to run"
    " /prospect export."
)


def open_erase_form(
    services: Services, client: WebClient, rep: ActingRep, name: str, trigger_id: str
) -> Reply:
    """Nothing is erased here: the form names what will go, and its Erase button does it.
    The rep's own prospect of that name comes first; an admin without one gets every rep's
    prospect of that name in the workspace, each named with its owner."""
    with services.session_factory() as session:
        own = prospect_store.prospect_by_name(session, rep.team_id, rep.user_id, name)
        rows = [own] if own is not None else []
    if not rows:
        admin = workspace_admin(client, rep.user_id)
        if admin is None:
            return build_problem(SLACK_SILENT.format("erased"), USAGE)
        if admin:
            with services.session_factory() as session:
                rows = privacy.prospects_named(session, rep.team_id, queries.name_key(name))
    if not rows:
        return build_problem(
            f"There is no prospect named “{name}” that you may erase. See yours with"
            " /prospect list all; workspace admins may erase anyone's.",
            USAGE,
        )
    if len(rows) > MAX_ERASED_AT_ONCE:
        return build_problem(
            f"{len(rows)} reps have a prospect named “{name}”: more than I erase in one form."
            " Ask their owners to erase theirs.",
            USAGE,
        )
    with services.session_factory() as session:
        found = [privacy.erasure(session, rep.team_id, row.id) for row in rows]
    erasures = [erasure for erasure in found if erasure is not None]
    if not erasures:
        return build_problem(f"“{name}” was just deleted: nothing left to erase.", USAGE)
    try:
        client.views_open(trigger_id=trigger_id, view=build_erase_modal(erasures, rep.user_id))
    except SlackApiError as error:
        return build_problem(
            f"I couldn't open the form ({error.response.get('error')}). Nothing was erased;"
            " try again.",
            USAGE,
        )
    text = f"Confirm erasing *{escape(name)}* in the form I opened."
    return ephemeral([section(text)], fallback=f"Confirm erasing {name}.")


def start_export(services: Services, client: WebClient, rep: ActingRep) -> Reply:
    """The export is written and uploaded behind the ack, in the workspace's queue."""
    admin = workspace_admin(client, rep.user_id)
    if admin is None:
        return build_problem(SLACK_SILENT.format("exported"), USAGE)
    if not admin:
        return build_problem(EXPORT_ADMINS_ONLY, USAGE)
    job = partial(
        send_export, services.session_factory, client, rep.team_id, rep.user_id, services.clock()
    )
    services.imports(rep.team_id, job)
    text = (
        "Gathering everything Phone Tag holds for this workspace: it arrives as a file in our DM."
    )
    return ephemeral([section(text)], fallback=text)
