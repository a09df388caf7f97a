"""Deal currencies: how they are named, written and refused."""

from __future__ import annotations

import pytest

from bot.rules.money import CurrencyError, currency_code, currency_mismatch, format_money


@pytest.mark.parametrize(
    ("typed", "code"), [("$", "USD"), ("£", "GBP"), ("€", "EUR"), ("gbp", "GBP"), (" chf ", "CHF")]
)
def test_symbols_and_codes_name_a_currency(typed: str, code: str) -> None:
    assert currency_code(typed) == code


def test_an_unknown_currency_is_refused_quoting_it() -> None:
    with pytest.raises(CurrencyError) as info:
        currency_code("XYZ")
    assert "“XYZ”" in info.value.message


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [(12_000, "USD", "$12,000"), (20_000, "GBP", "£20,000"), (5_000, "CHF", "CHF 5,000")],
)
def test_money_is_written_with_its_sign_or_code(amount: int, currency: str, shown: str) -> None:
    assert format_money(amount, currency) == shown


def test_a_value_in_another_currency_is_refused_with_the_way_to_switch() -> None:
    assert currency_mismatch(None, "GBP") is None
    assert currency_mismatch("GBP", "GBP") is None
    problem = currency_mismatch("GBP", "USD")
    assert problem is not None
    assert "counts deals in $ (USD), not £ (GBP)" in problem
    assert "/digest currency GBP" in problem
