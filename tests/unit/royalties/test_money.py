"""Money rules: ISO 4217 exponents, exact parsing to micros, payouts with carry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from soundmosaic.royalties import money

from tests.unit.royalties.helpers import PROPERTIES


@pytest.mark.parametrize(("code", "places"), [("USD", 2), ("eur", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3),
                                              ("BHD", 3), ("TND", 3), ("CLF", 4), ("ISK", 0)])
def test_exponents(code: str, places: int) -> None:
    assert money.exponent(code) == places


@pytest.mark.parametrize("code", ["XYZ", "", "US", "DOLLAR", "XDR"])
def test_unknown_currency_is_a_clear_error(code: str) -> None:
    with pytest.raises(money.UnknownCurrency, match="unknown currency"):
        money.currency_code(code)


@pytest.mark.parametrize(("text", "micros"), [
    ("1.234567", 1_234_567), ("-0.5", -500_000), ("+3", 3_000_000), ("0.000001", 1),
    ("1.2300000", 1_230_000), ("0", 0), (" 12.5 ", 12_500_000),
])
def test_statement_amounts_are_exact_micros(text: str, micros: int) -> None:
    assert money.to_micros(text) == micros


def test_decimal_and_int_inputs() -> None:
    assert money.to_micros(Decimal("0.1")) == 100_000
    assert money.to_micros(7) == 7_000_000


@pytest.mark.parametrize(("text", "message"), [
    ("1.2345678", "7 decimal places"), ("1e-3", "scientific notation"), ("1,000.00", "plain decimal"),
    ("NaN", "plain decimal"), ("inf", "plain decimal"), ("", "empty"), ("12.", "plain decimal"),
    (".5", "plain decimal"), ("1" + "0" * 16, "out of range"),
])
def test_amounts_that_are_not_exact_are_errors(text: str, message: str) -> None:
    with pytest.raises(money.MoneyError, match=message):
        money.to_micros(text)


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_float_and_bool_are_not_money(value: object) -> None:
    with pytest.raises(TypeError):
        money.to_micros(value)  # type: ignore[arg-type]


def test_non_finite_decimal_is_refused() -> None:
    with pytest.raises(money.MoneyError, match="finite"):
        money.to_micros(Decimal("NaN"))


@pytest.mark.parametrize(("micros", "code", "text"), [
    (1_234_567, "USD", "1.234567"), (1_230_000, "USD", "1.23"), (5_000_000, "JPY", "5"),
    (-500_000, "USD", "-0.50"), (1_000_000, "KWD", "1.000"), (1_500, "JPY", "0.0015"), (0, "USD", "0.00"),
])
def test_formatting_is_exact(micros: int, code: str, text: str) -> None:
    assert money.format_micros(micros, code) == text
    assert money.to_micros(text) == micros


def test_sub_cent_earnings_are_carried_until_they_make_a_cent() -> None:
    # 0.4 cents a month: nothing payable for two months, one cent in the third.
    paid, cumulative, carries = [], 0, []
    for _ in range(3):
        pay, carry = money.payable(cumulative, cumulative + 4_000, "USD")
        cumulative += 4_000
        paid.append(pay)
        carries.append(carry)
    assert paid == [0, 0, 1]
    assert carries == [4_000, 8_000, 2_000]


@PROPERTIES
@given(st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=24),
       st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_payouts_never_drift_from_the_ledger(periods: list[int], code: str) -> None:
    unit = money.micros_per_minor(code)
    cumulative, total_paid = 0, 0
    for amount in periods:
        pay, carry = money.payable(cumulative, cumulative + amount, code)
        cumulative += amount
        total_paid += pay
        assert 0 <= carry < unit
        assert total_paid * unit + carry == cumulative  # nothing lost, nothing made up
