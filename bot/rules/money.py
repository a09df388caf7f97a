"""Deal values in the workspace's currency: how reps type them and how the bot writes them.

A workspace counts its deals in one currency (dollars unless an admin picks another), so a
budget of "3 attempts for a 1,000 deal" means a thousand of that currency. There is no
conversion: a pound value typed in a dollar workspace is refused, not guessed at.
"""

from __future__ import annotations

DEFAULT_CURRENCY = "USD"

SYMBOLS: dict[str, str] = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR"}
"""Symbols reps type, and the ISO code each stands for (a $ is a US dollar here)."""

CODES: frozenset[str] = frozenset(
    {"USD", "GBP", "EUR", "JPY", "INR", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK"}
    | {"PLN", "CZK", "SGD", "HKD", "ZAR", "BRL", "MXN", "ILS", "AED"}
)
"""ISO 4217 codes accepted as a workspace currency or written before a value (CHF 5k)."""

_SIGNS: dict[str, str] = {code: symbol for symbol, code in SYMBOLS.items()}


class CurrencyError(ValueError):
    """Text that names no currency we know; `message` quotes it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def currency_code(text: str) -> str:
    """'£', 'gbp' or 'GBP' -> 'GBP'. Raises CurrencyError."""
    raw = text.strip()
    code = SYMBOLS.get(raw) or raw.upper()
    if code not in CODES:
        known = ", ".join(SYMBOLS)
        raise CurrencyError(f"“{raw}” is not a currency I know; use {known} or a code like CHF.")
    return code


def format_money(amount: int, currency: str = DEFAULT_CURRENCY) -> str:
    """'$12,000', '£20,000', 'CHF 5,000': the sign where there is one, else the code."""
    sign = _SIGNS.get(currency)
    if sign is not None:
        return f"-{sign}{-amount:,}" if amount < 0 else f"{sign}{amount:,}"
    return f"{currency} {amount:,}"


def currency_sign(currency: str = DEFAULT_CURRENCY) -> str:
    """'$' or 'CHF ': what goes before an amount in examples."""
    sign = _SIGNS.get(currency)
    return sign if sign is not None else f"{currency} "


def currency_mismatch(typed: str | None, workspace: str) -> str | None:
    """Why a value marked in another currency than the workspace's is refused, or None.

    Nothing converts between currencies: a budget in pounds read as dollars would be wrong.
    """
    if typed is None or typed == workspace:
        return None
    return (
        f"This workspace counts deals in {currency_sign(workspace).strip()} ({workspace}), not"
        f" {currency_sign(typed).strip()} ({typed}). Type the value in {workspace}, or ask a"
        f" workspace admin to switch with /digest currency {typed}."
    )
