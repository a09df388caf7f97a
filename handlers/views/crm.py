"""The `/prospect crm` form's submission: check the credentials with one read, then save.

Every problem goes back into the form, on the field to fix, and nothing is saved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.crm import (
    HUBSPOT_TOKEN,
    KIND,
    SF_ACCESS_TOKEN,
    build_connected_modal,
    read_crm_form,
)
from bot.blocks.logcall import FormErrors
from bot.services.crm.connections import SecretKeyProblem, connect
from bot.services.crm.port import CrmAuthRejected, CrmError, CrmKind
from handlers.crm import ADMINS_ONLY
from handlers.reps import NOT_ASKED, interaction_rep_ids, workspace_admin


def register(app: App) -> None:
    app.view(ids.CRM_CONNECT_VIEW)(handle_crm_submission)


def handle_crm_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    try:
        form = read_crm_form(view["state"])
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    team_id, user_id = interaction_rep_ids(body)
    admin = workspace_admin(client, user_id)
    if not admin:
        ack(response_action="errors", errors={KIND: NOT_ASKED if admin is None else ADMINS_ONLY})
        return
    kind = CrmKind(form.kind)
    secret_field = HUBSPOT_TOKEN if kind is CrmKind.HUBSPOT else SF_ACCESS_TOKEN
    try:
        account = connect(
            services.session_factory,
            services.settings,
            services.adapters,
            team_id,
            user_id,
            kind,
            form.credentials,
            services.clock(),
        )
    except SecretKeyProblem as problem:
        ack(response_action="errors", errors={KIND: problem.message})
        return
    except CrmAuthRejected as problem:
        ack(response_action="errors", errors={secret_field: problem.message})
        return
    except CrmError as problem:
        ack(response_action="errors", errors={KIND: f"{problem.message} Nothing was saved."})
        return
    ack(response_action="update", view=build_connected_modal(kind.label, account.account_id))
