"""Salesforce with a username, password and security token: simple-salesforce's SOAP login,
then REST on the instance the login names, and a new login when the session ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

from bot.services.crm.port import CrmAuthRejected
from bot.services.crm.salesforce import BoundedSession, SalesforceCrm
from tests.services.crm.standins import SalesforceStandIn

USERNAME, PASSWORD, SECURITY_TOKEN = "integration@acme.com", "hunter2", "Zq7Kd0aFkT"


class LoginAtStandIn(HTTPAdapter):
    """login.salesforce.com, played by the loopback stand-in: simple-salesforce builds the
    login URL from a domain, so the session routes that one host."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        request.url = str(request.url).replace("https://login.salesforce.com", self.url, 1)
        return super().send(request, **kwargs)


def adapter(salesforce: SalesforceStandIn, folder: Path, password: str = PASSWORD) -> SalesforceCrm:
    session = BoundedSession()
    session.verify = salesforce.ca_file(folder)
    session.mount("https://login.salesforce.com/", LoginAtStandIn(salesforce.url))
    return SalesforceCrm(
        username=USERNAME, password=password, security_token=SECURITY_TOKEN, session=session
    )


def test_a_password_login_is_made_once_and_again_when_the_session_ends(
    salesforce: SalesforceStandIn, tmp_path: Path
) -> None:
    salesforce.login = (USERNAME, PASSWORD + SECURITY_TOKEN)
    rep = salesforce.add_user("u1@example.com")
    crm = adapter(salesforce, tmp_path)
    assert salesforce.logins == 0  # building the adapter touches nothing
    assert crm.check().web_url == salesforce.url
    assert crm.owner_for_email("u1@example.com") == rep
    assert salesforce.logins == 1

    salesforce.expire_sessions()
    assert crm.owner_for_email("u1@example.com") == rep
    assert salesforce.logins == 2


def test_a_wrong_password_is_refused_in_words_an_admin_can_act_on(
    salesforce: SalesforceStandIn, tmp_path: Path
) -> None:
    salesforce.login = (USERNAME, PASSWORD + SECURITY_TOKEN)
    with pytest.raises(CrmAuthRejected, match="reconnect with /prospect crm"):
        adapter(salesforce, tmp_path, password="wrong").check()
