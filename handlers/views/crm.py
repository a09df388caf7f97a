"""The `/prospect crm` form's submission: check the credentials with one read, then save.

Every problem goes back into the form, on the field to fix, and nothing is saved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.common import section
from bot.blocks.crm import (
    HUBSPOT_TOKEN,
    KIND,
    OUTCOME_BLOCK,
    SF_ACCESS_TOKEN,
    SF_INSTANCE_URL,
    OutcomeRow,
    build_connected_modal,
    build_outcomes_modal,
    read_crm_form,
    read_outcomes_form,
)
from bot.blocks.logcall import FormErrors
from bot.blocks.modals import info_modal
from bot.blocks.mrkdwn import escape
from bot.rules.calls import OUTCOME_LABELS, Outcome
from bot.services.crm.connections import SecretKeyProblem, connect, workspace_credentials
from bot.services.crm.http import UntrustedHost
from bot.services.crm.port import (
    DISPOSITION_IDS,
    DISPOSITIONS,
    CrmAuthRejected,
    CrmError,
    CrmKind,
)
from bot.services.crm.tokens import fresh
from handlers.crm import ADMINS_ONLY
from handlers.reps import NOT_ASKED, interaction_rep_ids, workspace_admin
from storage import crm as crm_store


def register(app: App) -> None:
    app.view(ids.CRM_CONNECT_VIEW)(handle_crm_submission)
    app.action(ids.CRM_OUTCOMES)(handle_outcomes_button)
    app.view(ids.CRM_OUTCOMES_VIEW)(handle_outcomes_submission)


MAPPED = [outcome for outcome in Outcome if outcome in DISPOSITIONS]
"""Every outcome that is pushed as a call (all but `email`)."""


def handle_outcomes_button(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The mapping form, with the CRM's call outcomes read from it just now."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    admin = workspace_admin(client, user_id)
    if not admin:
        text = NOT_ASKED if admin is None else ADMINS_ONLY
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    try:
        with services.session_factory() as session:
            found = workspace_credentials(session, services.settings, team_id)
            current = crm_store.dispositions(session, team_id)
        if found is None:
            raise CrmError("No CRM is connected yet.")
        kind, credentials, _ = found
        adapter = services.adapters(
            kind, fresh(services.settings, kind, credentials, services.clock())
        )
        choices = adapter.call_outcomes()
        if choices == []:
            raise CrmError(f"{kind.label} has no call outcomes to map to.")
    except CrmError as problem:
        respond(
            text=escape(f"I couldn't read the CRM's call outcomes: {problem.message}"),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    rows = [
        OutcomeRow(
            outcome.value,
            OUTCOME_LABELS[outcome],
            current.get(outcome.value)
            or (
                DISPOSITION_IDS[DISPOSITIONS[outcome]]
                if kind is CrmKind.HUBSPOT
                else DISPOSITIONS[outcome].value
            ),
        )
        for outcome in MAPPED
    ]
    client.views_open(
        trigger_id=body["trigger_id"], view=build_outcomes_modal(kind.label, rows, choices)
    )


def handle_outcomes_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    outcomes = [outcome.value for outcome in MAPPED]
    try:
        mapping = read_outcomes_form(view["state"], outcomes)
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    team_id, user_id = interaction_rep_ids(body)
    first = OUTCOME_BLOCK + outcomes[0]
    admin = workspace_admin(client, user_id)
    if not admin:
        ack(response_action="errors", errors={first: NOT_ASKED if admin is None else ADMINS_ONLY})
        return
    with services.session_factory.begin() as session:
        saved = crm_store.save_dispositions(session, team_id, mapping)
    if not saved:
        ack(response_action="errors", errors={first: "No CRM is connected here any more."})
        return
    ack(
        response_action="update",
        view=info_modal(
            "Call outcomes", [section("Saved: calls logged from now on use these outcomes.")]
        ),
    )


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
    except UntrustedHost as problem:
        ack(response_action="errors", errors={SF_INSTANCE_URL: problem.message})
        return
    except CrmAuthRejected as problem:
        ack(response_action="errors", errors={secret_field: problem.message})
        return
    except CrmError as problem:
        ack(response_action="errors", errors={KIND: f"{problem.message} Nothing was saved."})
        return
    ack(response_action="update", view=build_connected_modal(kind.label, account.account_id))
