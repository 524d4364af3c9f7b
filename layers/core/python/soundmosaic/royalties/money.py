"""Money as integers: ISO 4217 minor units, and micros for statement and ledger amounts.

Rules
-----
- No float anywhere. Amounts come in as decimal strings, ``Decimal`` or ``int``; a ``float``
  (or ``bool``) is a ``TypeError``, because ``0.1`` has no exact binary value.
- Every currency has its ISO 4217 exponent (USD 2, JPY 0, KWD/BHD 3, CLF 4). An unknown code is
  an ``UnknownCurrency`` error: nothing is guessed and nothing is converted between currencies.
- Store statements carry amounts below the minor unit (a stream earns 0.003915 USD), so the
  ledger keeps **micros**: integers of 10**-6 of the major unit, in every currency. Amounts with
  up to 6 decimals are kept exactly; more decimals are an error, never rounded away.
- Payouts are whole minor units. ``payable`` rounds a holder's *cumulative* total down to the
  minor unit and carries the rest (always in ``[0, one minor unit)``) into the next period, so
  the sum of all payouts never drifts from the sum of the ledger by more than one minor unit.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MICROS_DECIMALS = 6
MICROS = 10**MICROS_DECIMALS
# A bound on one amount (a thousand trillion major units) so a typo cannot overflow a statement.
MAX_MAJOR = 10**15

# ISO 4217 (active codes incl. funds codes with defined minor units), amendment 179 (2025).
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP "
    "LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR "
    "NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES XCD XCG YER ZAR ZMW ZWG"
)
EXPONENTS: dict[str, int] = {
    **{c: 2 for c in _TWO.split()}, **{c: 0 for c in _ZERO.split()},
    **{c: 3 for c in _THREE.split()}, **{c: 4 for c in _FOUR.split()},
}

# Plain decimal notation only: "12", "-0.5", "+3.25". No exponent ("1e-3" reads like a float
# that went through a spreadsheet), no thousands separators, no leading "." or trailing ".".
_DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")


class MoneyError(ValueError):
    """An amount that cannot be represented exactly under these rules."""


class UnknownCurrency(MoneyError):
    pass


def currency_code(code: str) -> str:
    """The ISO 4217 code, upper-cased; ``UnknownCurrency`` for anything not in the table."""
    if not isinstance(code, str):
        raise UnknownCurrency(f"currency must be a string, got {type(code).__name__}")
    normal = code.strip().upper()
    if normal not in EXPONENTS:
        raise UnknownCurrency(f"unknown currency {code.strip()[:12]!r} (not an ISO 4217 code)")
    return normal


def exponent(code: str) -> int:
    """Decimal places of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return EXPONENTS[currency_code(code)]


def micros_per_minor(code: str) -> int:
    return 10 ** (MICROS_DECIMALS - exponent(code))


def to_decimal(value: str | Decimal | int) -> Decimal:
    """An exact, finite ``Decimal`` from a plain decimal string, a ``Decimal`` or an ``int``."""
    if isinstance(value, bool | float):
        raise TypeError(f"{type(value).__name__} is not money: pass a decimal string, Decimal or int")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"amount {value} is not a finite number")
        return value
    if not isinstance(value, str):
        raise TypeError(f"{type(value).__name__} is not money")
    text = value.strip()
    if not text:
        raise MoneyError("amount is empty")
    if not _DECIMAL.fullmatch(text):
        if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+", text):
            raise MoneyError(f"amount {text[:40]!r} is in scientific notation; write it as a plain decimal")
        raise MoneyError(f"amount {text[:40]!r} is not a plain decimal number")
    try:
        return Decimal(text)
    except InvalidOperation as err:  # the pattern admits only valid literals; belt and braces
        raise MoneyError(f"amount {text[:40]!r} is not a number") from err


def _scaled(amount: Decimal, decimals: int, what: str) -> int:
    if abs(amount) >= MAX_MAJOR:
        raise MoneyError(f"amount {amount} is out of range (at most {MAX_MAJOR:.0e} major units)")
    scaled = amount.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        places = max(0, -int(amount.normalize().as_tuple().exponent))
        raise MoneyError(f"amount {amount} has {places} decimal places; {what} allows at most {decimals}")
    return int(scaled)


def to_micros(value: str | Decimal | int) -> int:
    """Exact micros (10**-6 of the major unit) of a statement amount; at most 6 decimals."""
    return _scaled(to_decimal(value), MICROS_DECIMALS, "a statement amount")


def micros_to_decimal(micros: int) -> Decimal:
    return Decimal(micros).scaleb(-MICROS_DECIMALS)


def format_micros(micros: int, code: str) -> str:
    """Exact text of an amount: the currency's decimals at least, more only where they are not 0."""
    text = f"{micros_to_decimal(micros):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(exponent(code), "0")
    return f"{whole}.{frac}" if frac else whole


def format_minor(minor: int, code: str) -> str:
    return f"{Decimal(minor).scaleb(-exponent(code)):f}"


def payable(before_micros: int, through_micros: int, code: str) -> tuple[int, int]:
    """Minor units to pay for one period, and the micros carried to the next.

    ``before_micros`` is the holder's cumulative ledger total before the period, ``through_micros``
    the cumulative total through its end. Paying ``floor(through) - floor(before)`` (in minor
    units) keeps every payout whole, loses nothing (the carry is paid once it makes a whole minor
    unit) and makes the sum of payouts over any run of periods ``floor(total)``. A negative
    period (refunds) gives a negative payable: a clawback.
    """
    unit = micros_per_minor(code)
    paid = through_micros // unit - before_micros // unit
    return paid, through_micros - (through_micros // unit) * unit
