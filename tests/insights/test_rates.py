"""The connect-rate estimator: experience first, the team's own dials once there are enough."""

from __future__ import annotations

import re
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insights.rates import (
    CANDIDATE_WINDOWS,
    DEFAULT_PRIOR,
    MIN_DIALS_TO_CITE,
    UNKNOWN_AREA,
    WORKDAYS,
    CallGrid,
    Cell,
    ConnectEstimates,
    Evidence,
    Tally,
    TeamDials,
    area_segment,
    estimate_connect_rates,
    rank_windows,
    window_dials,
    window_rate,
)
from bot.rules.windows import WindowSpec

FOUR_TO_FIVE = "4–5 PM"
EXPERIENCE_LEADERS = {"8–9 AM", "before 8:30"}
CANDIDATE_HOURS = (7, 8, 12, 16, 17)


def four_pm_best(per_window: int, best: float = 0.35, rest: float = 0.10) -> CallGrid:
    """`per_window` dials at each candidate hour, spread over the workdays; 4 PM connects best."""
    dials = []
    for hour in CANDIDATE_HOURS:
        connects = round(per_window * (best if hour == 16 else rest))
        dials += [(Cell(i % 5, hour), i < connects) for i in range(per_window)]
    return CallGrid.count(dials)


def one_rep(grid: CallGrid, rep: str = "U1", segment: str = "America/Chicago") -> TeamDials:
    return TeamDials({(rep, segment): grid})


def top(dials: TeamDials, weekdays: range | list[int] = WORKDAYS, **scope: str) -> str:
    estimates = estimate_connect_rates(dials, **scope)
    return rank_windows(CANDIDATE_WINDOWS, estimates, weekdays=weekdays)[0].spec.label


def test_prior_encodes_experience_and_the_studies() -> None:
    rates = DEFAULT_PRIOR.rates
    workday = {h: sum(rates[Cell(d, h)] for d in WORKDAYS) / 5 for h in range(24)}
    base = sum(workday[h] for h in range(7, 19)) / 12
    assert 0.10 <= base <= 0.15
    for good in (7, 8, 12, 16, 17):
        assert workday[good] > base, good
    for hour in (7, 8, 12, 16, 17):
        assert min(rates[Cell(2, hour)], rates[Cell(3, hour)]) > max(
            rates[Cell(0, hour)], rates[Cell(4, hour)]
        )
    assert workday[3] < workday[10] and rates[Cell(6, 10)] < rates[Cell(1, 10)]


def test_without_dials_the_ranking_is_experiences() -> None:
    ranked = rank_windows(CANDIDATE_WINDOWS, estimate_connect_rates(TeamDials()))
    assert [r.spec.label for r in ranked] == [
        "8–9 AM",
        "before 8:30",
        "at lunch",
        "4–5 PM",
        "after 5:30",
    ]
    assert {r.evidence for r in ranked} == {Evidence.EXPERIENCE}
    assert (
        ranked[0].reason
        == "8–9 AM their time: experience says about 16% connect, vs 15% before 8:30"
    )
    assert (
        ranked[2].reason
        == "At lunch their time: experience says about 13% connect, vs 16% at 8–9 AM"
    )


@pytest.mark.parametrize("per_window", [2, 10, 20])
def test_a_few_dials_where_4pm_connects_best_do_not_move_the_ranking(per_window: int) -> None:
    assert top(one_rep(four_pm_best(per_window)), rep="U1") in EXPERIENCE_LEADERS


@pytest.mark.parametrize("per_window", [50, 100, 200])
def test_enough_dials_where_4pm_connects_best_move_the_ranking_there(per_window: int) -> None:
    dials = one_rep(four_pm_best(per_window))
    assert top(dials, rep="U1") == FOUR_TO_FIVE
    assert top(dials) == FOUR_TO_FIVE


dial = st.tuples(st.integers(0, 6), st.integers(0, 23), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(dial, min_size=1, max_size=10), st.sampled_from([None, 0, 1, 2, 3, 4]))
def test_a_handful_of_calls_never_overrides_experience(
    handful: list[tuple[int, int, bool]], day: int | None
) -> None:
    """Whatever ten dials say, on any days and hours, even ten straight connects at 4 PM."""
    dials = one_rep(CallGrid.count((Cell(d, h), ok) for d, h, ok in handful))
    weekdays = WORKDAYS if day is None else [day]
    assert top(dials, weekdays, rep="U1") in EXPERIENCE_LEADERS
    assert top(dials, weekdays) in EXPERIENCE_LEADERS


cells = st.tuples(st.integers(0, 6), st.integers(0, 23)).map(lambda c: Cell(*c))
tallies = st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1)))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(cells, tallies, min_size=1, max_size=12),
    st.dictionaries(cells, tallies, max_size=12),
    st.data(),
)
def test_one_more_connect_never_lowers_any_estimate(
    mine: dict[Cell, tuple[int, int]], teammate: dict[Cell, tuple[int, int]], data: st.DataObject
) -> None:
    """A failed dial turned into a connect, at fixed dials, for the rep's and the team's view."""
    cell = data.draw(st.sampled_from(sorted(mine)))
    n, c = mine[cell]
    better = {**mine, cell: (n, c + 1)}

    def dials(rep_cells: dict[Cell, tuple[int, int]]) -> TeamDials:
        grids = {
            ("U1", "area"): CallGrid({k: Tally(*v) for k, v in rep_cells.items()}),
            ("U2", "area"): CallGrid({k: Tally(*v) for k, v in teammate.items()}),
        }
        return TeamDials(grids)

    for scope in ({}, {"rep": "U1"}, {"rep": "U1", "segment": "area"}, {"segment": "area"}):
        before = estimate_connect_rates(dials(mine), **scope).rates
        after = estimate_connect_rates(dials(better), **scope).rates
        assert all(after[k] >= before[k] - 1e-12 for k in before), scope
        assert after[cell] > before[cell], scope
        for spec in CANDIDATE_WINDOWS:
            assert window_rate(spec, after) >= window_rate(spec, before) - 1e-12


def test_learning_off_gives_experience_whatever_the_dials() -> None:
    dials = one_rep(four_pm_best(400))
    estimates = estimate_connect_rates(dials, rep="U1", learning=False)
    assert estimates.rates == DEFAULT_PRIOR.rates
    ranked = rank_windows(CANDIDATE_WINDOWS, estimates)
    assert ranked[0].spec.label == "8–9 AM"
    assert all(r.reason.split(": ")[1].startswith("experience says") for r in ranked)


def test_the_reason_cites_the_reps_own_dials_when_they_have_enough() -> None:
    ranked = rank_windows(
        CANDIDATE_WINDOWS, estimate_connect_rates(one_rep(four_pm_best(212)), rep="U1")
    )
    best = ranked[0]
    assert best.evidence is Evidence.YOURS and best.dials == 212
    runner_up = ranked[1]
    expected = (
        f"4–5 PM their time: {best.rate:.0%} connects over your last 212 dials, "
        f"vs {runner_up.rate:.0%} {'at ' if runner_up.spec.label[0].isdigit() else ''}"
        f"{runner_up.spec.label}"
    )
    assert best.reason == expected
    assert re.fullmatch(
        r"4–5 PM their time: \d+% connects over your last 212 dials, vs \d+% .+", best.reason
    )
    assert ranked[1].reason.endswith(f"vs {best.rate:.0%} at 4–5 PM")


def test_a_rep_without_dials_is_told_what_the_team_learned() -> None:
    dials = one_rep(four_pm_best(200), rep="U2")
    ranked = rank_windows(CANDIDATE_WINDOWS, estimate_connect_rates(dials, rep="U1"))
    assert ranked[0].spec.label == FOUR_TO_FIVE
    assert ranked[0].evidence is Evidence.TEAM
    assert "over your team's last 200 dials" in ranked[0].reason
    assert estimate_connect_rates(dials, rep="U1").rates == pytest.approx(
        estimate_connect_rates(dials).rates
    )


def test_a_few_own_dials_are_credited_to_the_team_not_the_rep() -> None:
    grids = {
        ("U2", "area"): four_pm_best(200),
        ("U1", "area"): CallGrid({Cell(2, 16): Tally(MIN_DIALS_TO_CITE - 1, 10)}),
    }
    best = rank_windows(CANDIDATE_WINDOWS, estimate_connect_rates(TeamDials(grids), rep="U1"))[0]
    assert best.evidence is Evidence.TEAM


def test_a_rep_who_is_the_whole_team_is_not_counted_twice() -> None:
    dials = one_rep(four_pm_best(100))
    assert estimate_connect_rates(dials, rep="U1").rates == pytest.approx(
        estimate_connect_rates(dials).rates
    )


def test_a_segment_learns_its_own_hours() -> None:
    """Prospects out west pick up at 4 PM, those out east at 8 AM."""
    east = CallGrid.count(
        (Cell(i % 5, h), i < (140 if h == 8 else 40)) for h in CANDIDATE_HOURS for i in range(400)
    )
    dials = TeamDials(
        {("U1", "America/Los_Angeles"): four_pm_best(400), ("U1", "America/New_York"): east}
    )
    assert top(dials, segment="America/Los_Angeles") == FOUR_TO_FIVE
    assert top(dials, segment="America/New_York") in EXPERIENCE_LEADERS
    west = estimate_connect_rates(dials, segment="America/Los_Angeles")
    assert window_dials(CANDIDATE_WINDOWS[-1], west.team) == 400


def test_an_hour_is_learned_across_weekdays_and_a_day_from_its_own_dials() -> None:
    """Thursdays at 4 PM connect half the time: Mondays at 4 PM look better than experience
    says, but only Thursday's own dials lift Thursday toward one in two."""
    dials = one_rep(CallGrid({Cell(3, 16): Tally(2000, 1000)}))
    estimates = estimate_connect_rates(dials)
    four_pm = CANDIDATE_WINDOWS[-1]
    thursday, monday = (window_rate(four_pm, estimates.rates, [d]) for d in (3, 0))
    assert thursday > 0.4
    assert DEFAULT_PRIOR.rates[Cell(0, 16)] < monday < thursday


def test_a_window_averages_its_hours_by_the_minutes_it_covers() -> None:
    rates = {Cell(d, h): 0.0 for d in range(7) for h in range(24)}
    for d in WORKDAYS:
        rates[Cell(d, 7)] = 0.3
        rates[Cell(d, 8)] = 0.6
    estimates = ConnectEstimates(rates)
    before_830 = WindowSpec("before 8:30", time(7, 0), time(8, 30))
    assert window_rate(before_830, estimates.rates) == pytest.approx((60 * 0.3 + 30 * 0.6) / 90)


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        window_rate(WindowSpec("overnight", time(22), time(6)), DEFAULT_PRIOR.rates)


def test_impossible_tallies_are_refused() -> None:
    with pytest.raises(ValueError):
        Tally(dials=2, connects=3)


def test_prospects_are_segmented_by_area() -> None:
    assert area_segment("America/Denver") == "America/Denver"
    assert area_segment(None) == UNKNOWN_AREA
