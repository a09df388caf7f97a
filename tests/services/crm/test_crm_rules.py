"""The CRM's small rules, table by table: dispositions, waits, logins, the form, the logs and
the settings. No database; the one adapter rule here talks to the loopback HubSpot."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.blocks.crm import (
    HUBSPOT_TOKEN,
    KIND,
    SF_ACCESS_TOKEN,
    SF_INSTANCE_URL,
    CrmForm,
    crm_link_text,
    read_crm_form,
)
from bot.blocks.logcall import FormErrors
from bot.blocks.modals import FIELD
from bot.config import Settings
from bot.rules.calls import Outcome
from bot.runtime.logs import JsonFormatter
from bot.services.crm.connections import (
    SecretKeyProblem,
    credential_box,
    env_credentials,
)
from bot.services.crm.http import CrmHttp, UntrustedHost
from bot.services.crm.hubspot import DISPOSITION_IDS, HubSpotCrm, _rate_wait
from bot.services.crm.outbox import backoff
from bot.services.crm.port import DISPOSITIONS, CallDisposition, CrmKind, NewContact
from tests.services.crm.standins import HUBSPOT_TOKEN as A_HUBSPOT_TOKEN
from tests.services.crm.standins import SALESFORCE_TOKEN as A_SALESFORCE_TOKEN
from tests.services.crm.standins import HubSpotStandIn


def test_every_outcome_but_email_has_a_disposition_hubspot_knows() -> None:
    assert set(DISPOSITIONS) == set(Outcome) - {Outcome.EMAIL}
    assert set(DISPOSITIONS.values()) <= set(DISPOSITION_IDS)
    assert DISPOSITIONS[Outcome.VOICEMAIL] is CallDisposition.LEFT_VOICEMAIL
    assert DISPOSITION_IDS[CallDisposition.NO_ANSWER] == "73a0d17f-1163-4015-bdd5-ec830791da20"


@pytest.mark.parametrize(
    ("headers", "body", "seconds"),
    [
        ({"Retry-After": "7"}, "", 7.0),
        ({"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, "", 10.0),
        ({"X-HubSpot-RateLimit-Interval-Milliseconds": "1000"}, "", 1.0),
        ({}, '{"policyName": "DAILY"}', 3600.0),
        ({}, "", 10.0),
    ],
)
def test_hubspot_rate_limits_wait_as_long_as_its_headers_say(
    headers: dict[str, str], body: str, seconds: float
) -> None:
    assert _rate_wait(headers, body) == seconds


def test_backoff_doubles_to_ten_minutes_unless_the_crm_says_how_long() -> None:
    waits = [backoff(attempt, None) for attempt in range(1, 8)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(minutes=10)
    assert backoff(3, 3600) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        (
            "https://acme--uat.sandbox.my.salesforce.com/",
            "https://acme--uat.sandbox.my.salesforce.com",
        ),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme.lightning.force.com:443", "https://acme.lightning.force.com"),
        ("https://ACME.my.salesforce.com", "https://acme.my.salesforce.com"),
    ],
)
def test_salesforce_hosts_are_kept(url: str, kept: str) -> None:
    assert CrmHttp().salesforce_url(url) == kept


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.my.salesforce.com",
        "https://acme.my.salesforce.com:8443",
        "https://salesforce.com.evil.example",
        "https://evilsalesforce.com",
        "https://127.0.0.1:8443",
        "https://10.0.0.5",
        "https://acme.my.salesforce.com@evil.example",
        "acme.my.salesforce.com",
        "",
    ],
)
def test_anything_but_salesforce_is_refused_before_a_connection(url: str) -> None:
    with pytest.raises(UntrustedHost):
        CrmHttp().salesforce_url(url)


def test_only_the_tests_own_http_admits_the_loopback_stand_in() -> None:
    assert CrmHttp(loopback_for_tests=True).salesforce_url("https://127.0.0.1:8443") == (
        "https://127.0.0.1:8443"
    )
    with pytest.raises(UntrustedHost):
        CrmHttp(loopback_for_tests=True).salesforce_url("https://10.0.0.5")
    with pytest.raises(UntrustedHost):
        CrmHttp(loopback_for_tests=True).salesforce_url("http://127.0.0.1:8443")


def state(kind: str | None, **fields: str) -> dict[str, Any]:
    values: dict[str, Any] = {KIND: {FIELD: {"selected_option": {"value": kind} if kind else None}}}
    for block_id, value in fields.items():
        values[block_id] = {FIELD: {"value": value}}
    return {"values": values}


def test_the_form_keeps_only_the_credentials_the_chosen_crm_takes() -> None:
    hubspot = state("hubspot", **{HUBSPOT_TOKEN: " pat-na1-x ", SF_ACCESS_TOKEN: "ignored"})
    assert read_crm_form(hubspot) == CrmForm("hubspot", {"access_token": "pat-na1-x"})
    token = state(
        "salesforce",
        **{SF_INSTANCE_URL: "https://acme.my.salesforce.com", SF_ACCESS_TOKEN: "00D!x"},
    )
    assert read_crm_form(token).credentials == {
        "instance_url": "https://acme.my.salesforce.com",
        "access_token": "00D!x",
    }


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        (state(None), {KIND}),
        (state("hubspot"), {HUBSPOT_TOKEN}),
        (state("salesforce"), {SF_INSTANCE_URL, SF_ACCESS_TOKEN}),
        (state("salesforce", **{SF_ACCESS_TOKEN: "t"}), {SF_INSTANCE_URL}),
        (
            state("salesforce", **{SF_ACCESS_TOKEN: "t", SF_INSTANCE_URL: "acme.salesforce.com"}),
            {SF_INSTANCE_URL},
        ),
    ],
)
def test_the_form_names_each_field_to_fix(form: dict[str, Any], fields: set[str]) -> None:
    with pytest.raises(FormErrors) as raised:
        read_crm_form(form)
    assert set(raised.value.errors) == fields


def test_crm_tokens_are_masked_in_log_lines_even_when_nobody_listed_them() -> None:
    record = logging.LogRecord(
        "phonetag", logging.INFO, __file__, 1, "%s %s", (A_HUBSPOT_TOKEN, A_SALESFORCE_TOKEN), None
    )
    line = JsonFormatter([]).format(record)
    assert A_HUBSPOT_TOKEN not in line and A_SALESFORCE_TOKEN not in line
    assert json.loads(line)["message"] == "[redacted] [redacted]"


def test_settings_read_the_crm_variables() -> None:
    settings = Settings.from_env(
        {
            "PHONETAG_SECRET_KEY": "k",
            "HUBSPOT_API_URL": "http://127.0.0.1:9/",
            "SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
            "SALESFORCE_ACCESS_TOKEN": "00D!t",
            "HUBSPOT_CLIENT_ID": "hid",
            "HUBSPOT_CLIENT_SECRET": "hsecret",
            "SALESFORCE_CLIENT_ID": "sid",
            "SALESFORCE_CLIENT_SECRET": "ssecret",
            "SALESFORCE_LOGIN_URL": "https://test.salesforce.com/",
            "PHONETAG_PUBLIC_URL": "https://phonetag.example.com/",
        }
    )
    assert settings.hubspot_api_url == "http://127.0.0.1:9"
    assert settings.secret_key == "k" and {"00D!t", "hsecret", "ssecret"} <= set(settings.secrets)
    assert settings.salesforce_login_url == "https://test.salesforce.com"
    assert settings.public_url == "https://phonetag.example.com"
    assert settings.hubspot_oauth and settings.salesforce_oauth
    assert env_credentials(settings) == (
        CrmKind.SALESFORCE,
        {"instance_url": "https://acme.my.salesforce.com", "access_token": "00D!t"},
    )
    defaults = Settings.from_env({})
    assert defaults.hubspot_api_url == "https://api.hubapi.com"
    assert defaults.hubspot_app_url == "https://app.hubspot.com"
    assert defaults.salesforce_login_url == "https://login.salesforce.com"
    assert not defaults.hubspot_oauth and not defaults.salesforce_oauth
    no_public_url = Settings(hubspot_client_id="hid", hubspot_client_secret="hs")
    assert not no_public_url.hubspot_oauth
    assert env_credentials(Settings()) is None
    hubspot = Settings(hubspot_access_token="pat-na1-x")
    assert env_credentials(hubspot) == (CrmKind.HUBSPOT, {"access_token": "pat-na1-x"})


def test_the_retired_salesforce_password_login_is_named_at_start_not_ignored() -> None:
    with pytest.raises(ValueError, match=r"SALESFORCE_USERNAME, SALESFORCE_PASSWORD: .*OAuth"):
        Settings.from_env({"SALESFORCE_USERNAME": "u", "SALESFORCE_PASSWORD": "p"})


def test_credentials_are_sealed_only_with_a_usable_key() -> None:
    with pytest.raises(SecretKeyProblem, match="PHONETAG_SECRET_KEY"):
        credential_box(Settings())
    with pytest.raises(SecretKeyProblem, match="not a Fernet key"):
        credential_box(Settings(secret_key="too-short"))
    key = Fernet.generate_key().decode()
    box = credential_box(Settings(secret_key=key))
    assert box.decrypt(box.encrypt(b"secret")) == b"secret"


def test_a_hubspot_contact_that_search_has_not_seen_yet_is_found_by_its_409(
    hubspot: HubSpotStandIn,
) -> None:
    crm = HubSpotCrm(A_HUBSPOT_TOKEN, hubspot.url)
    first = crm.create_contact(NewContact("Jane Doe", None, email="jane@globex.com"))
    again = crm.create_contact(NewContact("Jane Doe", None, email="jane@globex.com"))
    assert again == first and len(hubspot.contacts) == 1


def test_a_crm_link_cannot_break_out_of_its_mrkdwn() -> None:
    link = crm_link_text("Salesforce", "https://acme.my.salesforce.com/x|<!here>")
    assert link == "<https://acme.my.salesforce.com/x%7C%3C%21here%3E|Open in Salesforce>"
