"""Survey statistics (CS-3.7.5.6, CS-3.7.5.9): every figure checked against a hand calculation written out here,
then a 300-household survey whose answers are known by construction."""

from __future__ import annotations

import math
from datetime import date

import pytest

from docgen.procedures.satisfaction import (
    DEFAULT_ITEMS,
    FISHER,
    SCALE,
    Z_TEST,
    Answer,
    SurveyData,
    analyse,
    check,
    compare,
    coverage,
    effective_size,
    holm,
    interval,
    item_rate,
    natural_key,
    newcomb,
    p_text,
    wilson,
)

VERY, SAT, MID, DIS, VERY_DIS = SCALE
Z = 1.959963984540054  # the 97.5 % point of the standard normal


# --------------------------------------------------------------------------------- hand calculations


def test_wilson_45_of_60_by_the_formula():
    # p = 0.75, z² = 3.841459; denominator 1 + z²/n = 1.0640243
    # centre = (0.75 + z²/120) / 1.0640243 = 0.7820122 / 1.0640243 = 0.7349571
    # half = z / 1.0640243 · √(0.75·0.25/60 + z²/14400) = 1.8420289 · √0.0033917680 = 0.1072781
    p, n = 0.75, 60
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n * n))
    low, high = wilson(45, 60)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.6277, 0.8422)  # statsmodels proportion_confint(45, 60, "wilson")


def test_wilson_stays_inside_0_and_1():
    assert wilson(60, 60)[1] == 1.0 and wilson(60, 60)[0] == pytest.approx(0.9398, abs=1e-4)
    assert wilson(0, 60)[0] == 0.0


def test_finite_population_correction_anchor_check():
    # ANCHORS.md: N = 800, n = 200, 170 satisfied → 0.794–0.893 plain, 0.802–0.888 corrected.
    n_eff = effective_size(200, 800)
    assert n_eff == pytest.approx(200 * 799 / 600)  # n(N−1)/(N−n) = 266.33
    assert [round(x, 3) for x in wilson(170, 200)] == [0.794, 0.893]
    assert [round(x, 3) for x in interval(170, 200, 800)] == [0.802, 0.888]
    assert interval(170, 200, 800) == pytest.approx(wilson(0.85 * n_eff, n_eff))


def test_no_correction_for_a_small_share_and_none_needed_for_a_census():
    assert interval(170, 200, 100_000) == wilson(170, 200)  # 0.2 % of the population: no correction
    assert interval(170, 200, 200) == (0.85, 0.85)  # a census has no sampling error
    assert interval(170, 200, 150) == wilson(170, 200)  # a population smaller than the sample: not applied
    rate = item_rate("总体评价", [Answer(str(i), "1栋", {"总体评价": SAT}) for i in range(50)], population=60)
    assert rate.corrected and rate.high == 1.0 and rate.low == pytest.approx(wilson(50 * 59 / 10, 50 * 59 / 10)[0])


def test_holm_by_hand():
    # sorted 0.001, 0.01, 0.03, 0.04, 0.2 times 5, 4, 3, 2, 1 → 0.005, 0.04, 0.09, 0.08→0.09 (monotone), 0.2
    assert holm([0.01, 0.04, 0.03, 0.2, 0.001]) == pytest.approx([0.04, 0.09, 0.09, 0.2, 0.005])
    assert holm([0.5, 0.9]) == [1.0, 1.0]  # 0.5·2 = 1, and never below a smaller p's
    assert holm([]) == []


def _answers(item: str, counts: dict[str, int], building: str = "1栋", start: int = 0) -> list[Answer]:
    out = []
    for level, count in counts.items():
        for _ in range(count):
            out.append(Answer(f"{building}-{start + len(out)}", building, {item: level}))
    return out


def _survey(answers, *, kind="年度回访", occupied=10_000, number="MY-2026-001", items=("总体评价",)) -> SurveyData:
    return SurveyData(
        "融侨锦江", kind, number, date(2026, 11, 20), occupied + 100, occupied, tuple(items), tuple(answers)
    )


def test_two_proportion_z_test_by_hand():
    # 50/60 now, 40/60 before: pooled p = 90/120 = 0.75, SE = √(0.75·0.25·(1/60 + 1/60)) = 0.0790569,
    # z = (0.8333 − 0.6667)/0.0790569 = 2.108185, two-sided p = 2·(1 − Φ(2.108185)) = 0.035015
    now = _survey(_answers("总体评价", {SAT: 50, MID: 10}))
    before = _survey(_answers("总体评价", {SAT: 40, MID: 20}), number="MY-2025-001")
    (change,), missing = compare(now, before)
    assert missing == ()
    se = math.sqrt(0.75 * 0.25 * (2 / 60))
    z = (50 / 60 - 40 / 60) / se
    assert z == pytest.approx(2.108185, abs=1e-6)
    assert change.test == Z_TEST
    assert change.p == pytest.approx(math.erfc(z / math.sqrt(2)), abs=1e-12) == pytest.approx(0.035015, abs=1e-6)
    assert change.p_adjusted == change.p  # one item: Holm changes nothing
    assert change.difference == pytest.approx(1 / 6)
    assert change.significant and "变化显著" in change.verdict and "上升16.7个百分点" in change.verdict
    # Newcomb: d − √((p1 − l1)² + (u2 − p2)²), d + √((u1 − p1)² + (p2 − l2)²) from the two Wilson intervals
    l1, u1 = wilson(50, 60)
    l2, u2 = wilson(40, 60)
    d = 1 / 6
    expected = (
        d - math.sqrt((50 / 60 - l1) ** 2 + (u2 - 40 / 60) ** 2),
        d + math.sqrt((u1 - 50 / 60) ** 2 + (40 / 60 - l2) ** 2),
    )
    assert (change.low, change.high) == pytest.approx(expected)
    assert newcomb(50, 60, 40, 60) == pytest.approx((0.011229, 0.312640), abs=1e-6)  # statsmodels' "newcomb"


def test_small_counts_use_fisher_exact_by_hand():
    # 9/10 now, 3/10 before: expected unsatisfied 10·8/20 = 4 < 5 → Fisher. Margins: 12 satisfied of 20.
    # Two-sided p = Σ P(X = x) over tables no more likely than the observed, X ~ Hypergeom(20, 12, 10).
    now = _survey(_answers("总体评价", {SAT: 9, DIS: 1}))
    before = _survey(_answers("总体评价", {SAT: 3, DIS: 7}), number="MY-2025-001")
    (change,), _ = compare(now, before)

    def prob(x: int) -> float:
        return math.comb(12, x) * math.comb(8, 10 - x) / math.comb(20, 10)

    observed = prob(9)
    p = sum(prob(x) for x in range(2, 11) if prob(x) <= observed * (1 + 1e-7))
    assert change.test == FISHER
    assert change.p == pytest.approx(p) == pytest.approx(0.019767, abs=1e-6)


def test_no_change_is_not_significant():
    now = _survey(_answers("总体评价", {SAT: 45, MID: 15}))
    before = _survey(_answers("总体评价", {SAT: 42, MID: 18}), number="MY-2025-001")
    (change,), _ = compare(now, before)
    assert not change.significant
    assert change.verdict.startswith("满意率上升5.0个百分点，变化不显著（p=")
    assert "与抽样误差无法区分" in change.verdict


def test_p_text_and_natural_order():
    assert p_text(0.0004) == "p<0.001" and p_text(0.01234) == "p=0.012" and p_text(None) == "—"
    assert sorted(["10栋", "2栋", "1栋"], key=natural_key) == ["1栋", "2栋", "10栋"]


def test_contract_is_checked():
    good = Answer("1-101", "1栋", {"总体评价": SAT})
    with pytest.raises(ValueError, match="五级量表"):
        check(_survey([Answer("1-101", "1栋", {"总体评价": "还行"})]))
    with pytest.raises(ValueError, match="重复"):
        check(_survey([good, good]))
    with pytest.raises(ValueError, match="未列的项目"):
        check(_survey([Answer("1-101", "1栋", {"绿化": SAT})]))
    with pytest.raises(ValueError, match="不是"):
        compare(_survey([good]), SurveyData("别的小区", "年度回访", "X", date(2025, 1, 1), 1, 1, ("总体评价",), ()))


def test_coverage_rules():
    answers = _answers("总体评价", {SAT: 80})
    first = coverage(_survey(answers, kind="首次回访", occupied=100))
    assert [f.clause for f in first.findings] == ["CS-3.7.5.1"]  # 80 of 100 occupied, 90 required
    assert "至少90户" in first.findings[0].message
    annual = coverage(_survey(answers[:9], occupied=100))
    assert [f.clause for f in annual.findings] == ["CS-3.7.5.2"]  # 9 of 100, 10 required
    assert coverage(_survey(answers[:10], occupied=100)).findings == ()
    early = SurveyData("融侨锦江", "首次回访", "X", date(2026, 1, 1), 300, 100, ("总体评价",), tuple(answers) * 0)
    assert "CS-3.7.5" in [f.clause for f in coverage(early).findings]  # 100 of 300 moved in: below 50 %


# ------------------------------------------------------------------------- a 300-household survey

# Each of 10 buildings has 30 households; household i of a building answers every item with PATTERN[i]:
# 9 非常满意, 15 满意, 3 一般, 2 不满意, 1 非常不满意 — except:
# * 设计: the last household (非常不满意) left it blank → 290 answers;
# * 维修服务 in 3栋: 3 满意 and 27 不满意 (a concentration);
# * 物业服务 in the previous survey: 6 非常满意, 12 满意, 6 一般, 4 不满意, 2 非常不满意 per building.
PATTERN = [VERY] * 9 + [SAT] * 15 + [MID] * 3 + [DIS] * 2 + [VERY_DIS]
PREVIOUS_PROPERTY = [VERY] * 6 + [SAT] * 12 + [MID] * 6 + [DIS] * 4 + [VERY_DIS] * 2


def _known(previous: bool = False) -> SurveyData:
    answers = []
    for b in range(1, 11):
        for i in range(30):
            ratings = {item: PATTERN[i] for item in DEFAULT_ITEMS}
            if i == 29:
                del ratings["设计"]
            if b == 3 and not previous:
                ratings["维修服务"] = SAT if i < 3 else DIS
            if previous:
                ratings["物业服务"] = PREVIOUS_PROPERTY[i]
            answers.append(Answer(f"{b}-{1001 + i}", f"{b}栋", ratings))
    number = "MY-2025-001" if previous else "MY-2026-001"
    return SurveyData("融侨锦江", "年度回访", number, date(2026, 11, 20), 1200, 1000, DEFAULT_ITEMS, tuple(answers))


@pytest.fixture(scope="module")
def known():
    return analyse(_known(), _known(previous=True))


def test_known_survey_rates_and_intervals(known):
    rates = {r.item: r for r in known.rates}
    assert (rates["总体评价"].satisfied, rates["总体评价"].answered) == (240, 300)
    assert (rates["设计"].satisfied, rates["设计"].answered) == (240, 290)  # the blank leaves the base
    assert (rates["维修服务"].satisfied, rates["维修服务"].answered) == (9 * 24 + 3, 300)
    # 300 of 1,000 occupied: corrected with n_eff = 300·999/700 = 428.14
    n_eff = 300 * 999 / 700
    assert rates["总体评价"].corrected
    assert (rates["总体评价"].low, rates["总体评价"].high) == pytest.approx(wilson(0.8 * n_eff, n_eff))
    assert known.overall_from_item and known.overall.rate == 0.8
    assert known.coverage.share == 0.3 and known.coverage.findings == ()


def test_known_survey_distributions(known):
    dist = {d.item: d for d in known.distributions}
    assert dist["总体评价"].counts == (90, 150, 30, 20, 10) and dist["总体评价"].unanswered == 0
    assert dist["设计"].counts == (90, 150, 30, 20, 0) and dist["设计"].unanswered == 10
    # mean = (90·5 + 150·4 + 30·3 + 20·2 + 10·1)/300 = 1190/300; SD from Σ c·(s − mean)² / 299
    mean = 1190 / 300
    sd = math.sqrt(
        (
            90 * (5 - mean) ** 2
            + 150 * (4 - mean) ** 2
            + 30 * (3 - mean) ** 2
            + 20 * (2 - mean) ** 2
            + 10 * (1 - mean) ** 2
        )
        / 299
    )
    assert dist["总体评价"].mean == pytest.approx(mean) and dist["总体评价"].sd == pytest.approx(sd)


def test_known_survey_comparison(known):
    changes = {c.item: c for c in known.changes}
    # 物业服务: 240/300 now against 180/300 before: pooled 0.7, SE = √(0.7·0.3·2/300) = 0.0374166, z = 5.345
    property_ = changes["物业服务"]
    z = 0.2 / math.sqrt(0.7 * 0.3 * 2 / 300)
    assert property_.p == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert property_.significant and "变化显著" in property_.verdict
    # 维修服务: 219/300 against 240/300: pooled 0.765, z = −0.07/√(0.765·0.235·2/300) = −2.022, p = 0.0432 raw,
    # but six items are compared: Holm gives 0.0432 × 5 (the second smallest of six) = 0.216: not significant
    repair = changes["维修服务"]
    z = -0.07 / math.sqrt(0.765 * 0.235 * 2 / 300)
    assert repair.p == pytest.approx(math.erfc(abs(z) / math.sqrt(2))) == pytest.approx(0.0432, abs=1e-4)
    assert repair.p_adjusted == pytest.approx(5 * repair.p)
    assert not repair.significant and "不显著" in repair.verdict and "下降7.0个百分点" in repair.verdict
    assert changes["总体评价"].p == 1.0 and changes["总体评价"].verdict.startswith("满意率持平，变化不显著")
    assert known.not_compared == ()


def test_known_survey_concentration(known):
    items = {c.item: c for c in known.items_concentration}
    repair = items["维修服务"]
    assert (repair.dissatisfied, repair.answered) == (9 * 3 + 27, 300)
    assert repair.flagged and any("3栋" in r for r in repair.reasons)
    assert repair.buildings_p is not None and repair.buildings_p < 1e-10
    # 设计 has 20/290 = 6.9 % dissatisfied, the others 30/300 = 10 %: the 10 % limit flags those
    assert not items["设计"].flagged
    assert items["总体评价"].flagged and items["总体评价"].reasons == ("不满意比例10.0%，达到10%",)
    flagged = [(c.building, c.item) for c in known.buildings_concentration if c.flagged]
    assert flagged == [("3栋", "维修服务")]
    cell = next(c for c in known.buildings_concentration if c.building == "3栋" and c.item == "维修服务")
    assert (cell.dissatisfied, cell.answered, cell.rest_dissatisfied, cell.rest_answered) == (27, 30, 27, 270)
    assert len(known.buildings_concentration) == 10 * 6


def test_known_survey_serious_households_and_buildings(known):
    # household 30 of each building (非常不满意) and households 28, 29 (总体评价 不满意)
    assert len(known.serious) == 30
    assert {a.household for a in known.serious if a.building == "1栋"} == {"1-1028", "1-1029", "1-1030"}
    assert [b.building for b in known.buildings] == [f"{b}栋" for b in range(1, 11)]
    three = known.buildings[2]
    assert three.households == 30 and three.overall.rate == 0.8 and len(three.serious) == 3
    # four items × 3 dissatisfied, 设计 2 (its 非常不满意 left blank), 维修服务 27; 6 × 30 answers less that blank
    assert (three.dissatisfied, three.answers) == (4 * 3 + 2 + 27, 179)
