"""Customer-satisfaction survey statistics (CS-3.7.5 … CS-3.7.5.9; the report is NC-5.3's 《客户满意度调查报告》).

Data contract between the survey intake step (``docgen.steps.survey``) and the survey report
(``docgen.reports.survey_report``): the step builds a :class:`SurveyData` from checked forms; the functions
here turn it into figures. Plain data in, plain data out: nothing here reads files, the ledger or the clock,
and nothing imports a higher layer. A level outside :data:`SCALE`, an item the survey does not list or a
household answered twice breaks the contract and raises ``ValueError`` (the step rejects such forms first).

Denominators (the complaint users of survey tools make most, ANCHORS.md): a rate is over the households
that *answered that item*; an item left blank or not asked leaves the base (an abstention), it is never
counted as "not satisfied". Coverage is surveyed households over *occupied* households (CS-3.7.5.1/.2).

Statistics (CS-3.7.5.6 "采用统计技术进行分析"), every test two-sided at 5 % unless said:

* **Satisfaction rate** (:data:`SATISFIED` answers ÷ answers) with a 95 % **Wilson** score interval, the
  formula of ``statsmodels.stats.proportion.proportion_confint(k, n, method="wilson")``. The Wilson interval
  stays inside 0–100 % and keeps its coverage near 95 % for rates close to 100 % and small samples, where the
  textbook p ± 1.96·SE interval runs past 100 % or is far too narrow.
* **Finite-population correction** (FPC): the households surveyed are drawn *without replacement* from the
  occupied households N. When the sample is a large share of them (more than :data:`FPC_SHARE`, always so for
  the first survey's ≥ 90 %, CS-3.7.5.1) the sampling variance is smaller by the factor (N−n)/(N−1). No
  library applies it to Wilson, so the interval is computed with the effective size
  n_eff = n·(N−1)/(N−n) (variance p(1−p)/n_eff = p(1−p)/n · (N−n)/(N−1)): ``wilson(p̂·n_eff, n_eff)``. A census
  (n = N) has no sampling error: the interval is the rate itself. Check (ANCHORS.md): N = 800, n = 200, 170
  satisfied gives 79.4–89.3 % plain and 80.2–88.8 % corrected.
* **Against the previous survey** of the same community, per item: the pooled two-proportion z test (the
  score test of equal rates) when every expected count of the 2×2 table is at least 5, else Fisher's exact
  test (``scipy.stats.fisher_exact``); the p values of the items are adjusted together by Holm's method, so
  that six items compared do not turn chance into a "significant" change. The difference has a 95 %
  Newcomb (hybrid Wilson) interval. The tests leave out the FPC (conservative: the two samples are treated as
  drawn from large populations). The whole five-level distribution is compared too with the Brunner–Munzel
  test (``scipy.stats.brunnermunzel``, made for many ties).
* **Concentration of 不满意/非常不满意 answers** (CS-3.7.5.9 "不满意项集中的问题做专题调查"):
  - *by item*: an item's dissatisfied answers against the share among the other items' answers, one-sided
    exact binomial test (``scipy.stats.binomtest``, alternative ``greater``), Holm over the items; an item is
    also flagged when at least :data:`DISSATISFIED_LIMIT` of its answers are dissatisfied, however the other
    items fare (all items poor is a concentration too);
  - *by building*, per item: a chi-square test of independence across the buildings
    (``scipy.stats.chi2_contingency``; with expected counts below 5 it is only indicative), and for each
    building its dissatisfied answers against the rest of the community's, one-sided Fisher exact test (small
    counts are the rule there), Holm over *all* building × item tests together;
  - a flag needs an adjusted p below 5 % *and* at least :data:`MIN_FLAG_COUNT` dissatisfied answers: one
    unhappy household is a re-visit (below), not a pattern.
* **Seriously dissatisfied households** (CS-3.7.5.9 "严重不满意的客户…必须全数参与再回访"): every household
  that answered 非常不满意 to any item, or 不满意/非常不满意 to the overall item (:data:`OVERALL_ITEM`).

scipy is imported inside the functions that test: it takes most of a second to load, and the intake step
imports this module on every start.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist

from docgen.findings import Finding, violation

SCALE = ("非常满意", "满意", "一般", "不满意", "非常不满意")  # five levels, best first
SATISFIED = ("非常满意", "满意")  # what counts as satisfied
DISSATISFIED = ("不满意", "非常不满意")  # what counts as dissatisfied (CS-3.7.5.9)
SEVERE = "非常不满意"
DEFAULT_ITEMS = ("房屋质量", "设计", "维修服务", "物业服务", "销售服务", "总体评价")
OVERALL_ITEM = "总体评价"
KINDS = ("首次回访", "年度回访", "专项回访")
FIRST, ANNUAL, SPECIAL = KINDS
SCORES = {level: 5 - i for i, level in enumerate(SCALE)}  # 非常满意 5 … 非常不满意 1

CONFIDENCE = 0.95
ALPHA = 0.05
FPC_SHARE = 0.05  # the finite-population correction is applied when n/N exceeds 5 %
DISSATISFIED_LIMIT = 0.10  # an item with ≥ 10 % dissatisfied answers is flagged whatever the others
MIN_FLAG_COUNT = 3  # a concentration needs at least 3 dissatisfied answers
MIN_EXPECTED = 5  # below: Fisher's exact test instead of the z test; the chi-square only indicative
OCCUPANCY_FOR_FIRST = 0.5  # CS-3.7.5: the first survey once 50 % have moved in
FIRST_COVERAGE = 0.9  # CS-3.7.5.1: ≥ 90 % of occupied households
ANNUAL_COVERAGE = 0.1  # CS-3.7.5.2: ≥ 10 % of occupied households (10–25 % sampled)
ANNUAL_SAMPLE_HIGH = 0.25

Z_TEST = "两比例z检验"
FISHER = "Fisher精确检验"


@dataclass(frozen=True)
class Answer:
    """One surveyed household."""

    household: str  # 户号/房号 as on the list, e.g. "3-1502"
    building: str  # 楼栋
    ratings: Mapping[str, str] = field(default_factory=dict)  # item → level in SCALE (missing: not asked / no answer)


@dataclass(frozen=True)
class SurveyData:
    community: str
    kind: str  # 首次回访 / 年度回访 / 专项回访
    number: str  # survey number, e.g. "MY-2026-001"
    surveyed_on: date  # last interview date
    households: int  # community size
    occupied: int  # occupied households (the population for the finite-population correction)
    items: tuple[str, ...]
    answers: tuple[Answer, ...]
    opinions: tuple[tuple[str, str], ...] = ()  # (household, free text) opinions/requests/complaints


# ------------------------------------------------------------------------------------------ intervals


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.959964 for 95 %."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(k: float, n: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` (``k``/``n`` may be fractional, for the FPC):
    (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), by statsmodels' ``proportion_confint``."""
    if n <= 0:
        raise ValueError("wilson: n must be positive")
    from statsmodels.stats.proportion import proportion_confint  # about 1 s to import: only when analysing

    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    # Exact ends for 0 % and 100 % (no rounding left).
    return (0.0 if k <= 0 else max(0.0, float(low))), (1.0 if k >= n else min(1.0, float(high)))


def effective_size(n: int, population: int) -> float | None:
    """n·(N−1)/(N−n), the sample size whose plain variance equals the corrected one; ``None`` for a census
    (n ≥ N: no sampling error)."""
    if n >= population:
        return None
    return n * (population - 1) / (population - n)


def fpc_applies(n: int, population: int | None) -> bool:
    """Whether the finite-population correction is used: the sample is more than :data:`FPC_SHARE` of a
    known population at least as large as it."""
    return bool(population) and population is not None and n <= population and n / population > FPC_SHARE


def interval(k: int, n: int, population: int | None = None, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The 95 % interval of the rate ``k``/``n``: Wilson, with the finite-population correction when
    :func:`fpc_applies` (see the module's notes)."""
    if population is None or not fpc_applies(n, population):
        return wilson(k, n, confidence)
    n_eff = effective_size(n, population)
    if n_eff is None:
        return k / n, k / n
    return wilson(k / n * n_eff, n_eff, confidence)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p values, by statsmodels' ``multipletests(method="holm")``: the i-th smallest
    of m is multiplied by m−i, made non-decreasing, capped at 1."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(p_values), method="holm")[1]]


# ------------------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Rate:
    """The satisfaction rate of one item (or of a group of answers)."""

    item: str
    satisfied: int
    answered: int
    low: float | None = None  # 95 % interval; None when nobody answered
    high: float | None = None
    corrected: bool = False  # the finite-population correction was applied

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.answered if self.answered else None


@dataclass(frozen=True)
class Distribution:
    """How the answers to one item spread over :data:`SCALE`."""

    item: str
    counts: tuple[int, ...]  # per level of SCALE, best first
    unanswered: int  # surveyed households that left the item blank (or were not asked it)
    mean: float | None  # score 非常满意 5 … 非常不满意 1
    sd: float | None  # sample standard deviation (n − 1)

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def dissatisfied(self) -> int:
        return sum(c for level, c in zip(SCALE, self.counts) if level in DISSATISFIED)


@dataclass(frozen=True)
class Change:
    """One item against the previous survey."""

    item: str
    previous: Rate
    current: Rate
    difference: float  # current − previous rate
    low: float  # 95 % Newcomb interval of the difference
    high: float
    test: str  # Z_TEST or FISHER
    p: float
    p_adjusted: float  # Holm over the items compared
    distribution_p: float | None  # Brunner–Munzel on the five-level scores; None when it cannot be computed

    @property
    def significant(self) -> bool:
        return self.p_adjusted < ALPHA

    @property
    def verdict(self) -> str:
        """The finding in plain Chinese: whether the change is real (显著) or within sampling noise."""
        points = self.difference * 100
        move = "持平" if abs(points) < 0.05 else f"{'上升' if points > 0 else '下降'}{abs(points):.1f}个百分点"
        if self.significant:
            tail = "，须分析原因" if points < 0 else ""
            return f"满意率{move}，变化显著（{p_text(self.p_adjusted)}），是真实变化{tail}"
        return f"满意率{move}，变化不显著（{p_text(self.p_adjusted)}），与抽样误差无法区分"


@dataclass(frozen=True)
class ItemConcentration:
    item: str
    dissatisfied: int
    answered: int
    reference: float | None  # dissatisfied share among the other items' answers
    p: float | None  # one-sided binomial test against the reference
    p_adjusted: float | None  # Holm over the items
    buildings_p: float | None  # chi-square of independence across buildings
    buildings_indicative: bool  # expected counts below 5: the chi-square is only indicative
    reasons: tuple[str, ...]  # why a special investigation is due; empty when none

    @property
    def share(self) -> float | None:
        return self.dissatisfied / self.answered if self.answered else None

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class BuildingConcentration:
    building: str
    item: str
    dissatisfied: int
    answered: int
    rest_dissatisfied: int
    rest_answered: int
    p: float  # one-sided Fisher exact test, this building against the rest
    p_adjusted: float  # Holm over every building × item test

    @property
    def flagged(self) -> bool:
        return self.p_adjusted < ALPHA and self.dissatisfied >= MIN_FLAG_COUNT


@dataclass(frozen=True)
class BuildingSummary:
    """The appendix's aggregate of one building."""

    building: str
    households: int  # surveyed
    overall: Rate  # the overall item's rate, or all items' answers pooled when the survey has none
    dissatisfied: int  # dissatisfied answers, all items
    answers: int  # answers, all items
    serious: tuple[str, ...]  # seriously dissatisfied households


@dataclass(frozen=True)
class Coverage:
    surveyed: int
    occupied: int
    households: int
    findings: tuple[Finding, ...]  # procedure breaches (violations), Chinese

    @property
    def share(self) -> float | None:
        """Surveyed over occupied households (the sample share of CS-3.7.5.1/.2)."""
        return self.surveyed / self.occupied if self.occupied else None

    @property
    def occupancy(self) -> float | None:
        return self.occupied / self.households if self.households else None


@dataclass(frozen=True)
class Analysis:
    data: SurveyData
    coverage: Coverage
    rates: tuple[Rate, ...]  # per item, in the survey's order
    overall: Rate  # the overall item, else every answer pooled (then without interval)
    overall_from_item: bool
    distributions: tuple[Distribution, ...]
    changes: tuple[Change, ...]  # items asked in both surveys
    not_compared: tuple[str, ...]  # items of this survey the previous one did not ask (or nobody answered)
    items_concentration: tuple[ItemConcentration, ...]
    buildings_concentration: tuple[BuildingConcentration, ...]  # every test, in building then item order
    serious: tuple[Answer, ...]
    buildings: tuple[BuildingSummary, ...]


def p_text(p: float | None) -> str:
    """p=0.012 / p<0.001 / —."""
    if p is None or math.isnan(p):
        return "—"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def natural_key(text: str) -> tuple:
    """2栋 before 10栋: digits compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def check(data: SurveyData) -> None:
    """Raise ``ValueError`` when ``data`` breaks the contract (the intake step rejects such forms first)."""
    if data.kind not in KINDS:
        raise ValueError(f"回访类型“{data.kind}”不在 {KINDS} 中")
    if len(set(data.items)) != len(data.items):
        raise ValueError("调查项目重复")
    seen: set[str] = set()
    for answer in data.answers:
        if answer.household in seen:
            raise ValueError(f"户号“{answer.household}”重复出现")
        seen.add(answer.household)
        for item, level in answer.ratings.items():
            if item not in data.items:
                raise ValueError(f"户号“{answer.household}”回答了调查未列的项目“{item}”")
            if level not in SCALE and level not in ("", None):
                raise ValueError(f"户号“{answer.household}”的“{item}”评价“{level}”不在五级量表中")


def _level(answer: Answer, item: str) -> str | None:
    level = answer.ratings.get(item)
    return level if level in SCALE else None


def item_rate(item: str, answers: Iterable[Answer], population: int | None = None) -> Rate:
    """The satisfaction rate of ``item`` over the households that answered it, with its 95 % interval."""
    levels = [level for a in answers if (level := _level(a, item)) is not None]
    k, n = sum(level in SATISFIED for level in levels), len(levels)
    if not n:
        return Rate(item, 0, 0)
    low, high = interval(k, n, population)
    return Rate(item, k, n, low, high, population is not None and fpc_applies(n, population))


def rates(data: SurveyData) -> tuple[Rate, ...]:
    return tuple(item_rate(item, data.answers, data.occupied) for item in data.items)


def distribution(item: str, answers: Sequence[Answer]) -> Distribution:
    levels = Counter(level for a in answers if (level := _level(a, item)) is not None)
    counts = tuple(levels[level] for level in SCALE)
    n = sum(counts)
    mean = sd = None
    if n:
        mean = sum(SCORES[level] * c for level, c in levels.items()) / n
        if n > 1:
            sd = math.sqrt(sum(c * (SCORES[level] - mean) ** 2 for level, c in levels.items()) / (n - 1))
    return Distribution(item, counts, len(answers) - n, mean, sd)


def distributions(data: SurveyData) -> tuple[Distribution, ...]:
    return tuple(distribution(item, data.answers) for item in data.items)


def overall_rate(items: Sequence[str], answers: Sequence[Answer], population: int | None = None) -> tuple[Rate, bool]:
    """The overall item's rate (with interval) when the survey asks it; else every answer of every item pooled,
    without an interval (the answers of one household are not independent). The flag: from the item."""
    if OVERALL_ITEM in items:
        return item_rate(OVERALL_ITEM, answers, population), True
    k = n = 0
    for a in answers:
        for item in items:
            if (level := _level(a, item)) is not None:
                n += 1
                k += level in SATISFIED
    return Rate("全部项目", k, n), False


# ------------------------------------------------------------------------------------------ coverage


def coverage(data: SurveyData) -> Coverage:
    """Surveyed against occupied households, and the breaches of CS-3.7.5, CS-3.7.5.1 and CS-3.7.5.2."""
    surveyed, occupied, households = len(data.answers), data.occupied, data.households
    findings: list[Finding] = []

    def pct(x: float) -> str:
        return f"{x * 100:.1f}%"

    if data.kind == FIRST and households and occupied / households < OCCUPANCY_FOR_FIRST:
        findings.append(
            violation(
                f"首次回访时入住率为{pct(occupied / households)}（{occupied}/{households}户），"
                f"应在入住达到{pct(OCCUPANCY_FOR_FIRST)}后进行",
                clause="CS-3.7.5",
            )
        )
    minimum = {FIRST: (FIRST_COVERAGE, "CS-3.7.5.1"), ANNUAL: (ANNUAL_COVERAGE, "CS-3.7.5.2")}.get(data.kind)
    if occupied and minimum is not None and surveyed < math.ceil(minimum[0] * occupied):
        share, clause = minimum
        findings.append(
            violation(
                f"{data.kind}{surveyed}户，占已入住{occupied}户的{pct(surveyed / occupied)}，"
                f"应不少于{pct(share)}（至少{math.ceil(share * occupied)}户）",
                clause=clause,
            )
        )
    return Coverage(surveyed, occupied, households, tuple(findings))


# ---------------------------------------------------------------------------------------- comparison


def _two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> tuple[str, float]:
    """Two-sided p of equal rates: pooled z test, or Fisher's exact test when an expected count is below 5."""
    pooled = (k1 + k2) / (n1 + n2)
    expected = [n * share for n in (n1, n2) for share in (pooled, 1 - pooled)]
    if min(expected) < MIN_EXPECTED:
        from scipy.stats import fisher_exact

        result = fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="two-sided")
        return FISHER, min(1.0, float(result.pvalue))
    from statsmodels.stats.proportion import proportions_ztest  # pooled, two-sided

    _, p = proportions_ztest([k1, k2], [n1, n2])
    return Z_TEST, min(1.0, float(p))


def newcomb(k1: int, n1: int, k2: int, n2: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Newcomb's hybrid score interval of p1 − p2 from the two Wilson intervals, by statsmodels'
    ``confint_proportions_2indep(method="newcomb")``."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff", alpha=1 - confidence)
    return float(low), float(high)


def _scores(item: str, answers: Iterable[Answer]) -> list[int]:
    return [SCORES[level] for a in answers if (level := _level(a, item)) is not None]


def _brunner_munzel(before: list[int], now: list[int]) -> float | None:
    if len(before) < 2 or len(now) < 2 or len(set(before) | set(now)) < 2:
        return None
    import warnings

    from scipy.stats import brunnermunzel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = float(brunnermunzel(now, before).pvalue)
    return None if math.isnan(p) else p


def compare(data: SurveyData, previous: SurveyData) -> tuple[tuple[Change, ...], tuple[str, ...]]:
    """Each item asked (and answered) in both surveys of the same community, against the previous survey;
    and the items of this survey that cannot be compared."""
    if previous.community != data.community:
        raise ValueError(f"上次调查属于“{previous.community}”，不是“{data.community}”")
    raw = []
    missing = []
    for item in data.items:
        now = item_rate(item, data.answers)
        before = item_rate(item, previous.answers) if item in previous.items else Rate(item, 0, 0)
        if not now.answered or not before.answered:
            missing.append(item)
            continue
        test, p = _two_proportion_p(now.satisfied, now.answered, before.satisfied, before.answered)
        low, high = newcomb(now.satisfied, now.answered, before.satisfied, before.answered)
        bm = _brunner_munzel(_scores(item, previous.answers), _scores(item, data.answers))
        raw.append((item, before, now, low, high, test, p, bm))
    adjusted = holm([r[6] for r in raw])
    changes = tuple(
        Change(
            item,
            item_rate(item, previous.answers, previous.occupied),
            item_rate(item, data.answers, data.occupied),
            (now.rate or 0.0) - (before.rate or 0.0),
            low,
            high,
            test,
            p,
            p_adj,
            bm,
        )
        for (item, before, now, low, high, test, p, bm), p_adj in zip(raw, adjusted)
    )
    return changes, tuple(missing)


# ------------------------------------------------------------------------------------- concentration


def _dissatisfied(item: str, answers: Iterable[Answer]) -> tuple[int, int]:
    levels = [level for a in answers if (level := _level(a, item)) is not None]
    return sum(level in DISSATISFIED for level in levels), len(levels)


def by_building(answers: Iterable[Answer]) -> dict[str, list[Answer]]:
    groups: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        groups[a.building].append(a)
    return {b: groups[b] for b in sorted(groups, key=natural_key)}


def _chi_square(counts: list[tuple[int, int]]) -> tuple[float | None, bool]:
    """p of the chi-square test of independence (buildings × dissatisfied or not) from each building's
    (dissatisfied, answered), and whether it is only indicative (an expected count below 5)."""
    rows = [(k, n - k) for k, n in counts if n]
    if len(rows) < 2 or not sum(r[0] for r in rows) or not sum(r[1] for r in rows):
        return None, False
    from scipy.stats import chi2_contingency

    result = chi2_contingency(rows, correction=False)
    return float(result.pvalue), bool((result.expected_freq < MIN_EXPECTED).any())


def concentration(data: SurveyData) -> tuple[tuple[ItemConcentration, ...], tuple[BuildingConcentration, ...]]:
    """Where the dissatisfied answers concentrate, by item and by building (see the module's notes)."""
    from scipy.stats import binomtest, fisher_exact

    counts = {item: _dissatisfied(item, data.answers) for item in data.items}
    groups = by_building(data.answers)
    item_p: dict[str, float] = {}
    for item, (k, n) in counts.items():
        rest_k = sum(c[0] for other, c in counts.items() if other != item)
        rest_n = sum(c[1] for other, c in counts.items() if other != item)
        if not n or not rest_n:
            continue
        reference = rest_k / rest_n
        item_p[item] = (
            (1.0 if k == 0 else 0.0)
            if reference == 0
            else float(binomtest(k, n, reference, alternative="greater").pvalue)
        )
    adjusted = dict(zip(item_p, holm(list(item_p.values()))))
    cells = []
    for building, members in groups.items():
        others = [a for b, group in groups.items() if b != building for a in group]
        for item in data.items:
            k, n = _dissatisfied(item, members)
            rest_k, rest_n = _dissatisfied(item, others)
            if not n or not rest_n:
                continue
            p = float(fisher_exact([[k, n - k], [rest_k, rest_n - rest_k]], alternative="greater").pvalue)
            cells.append((building, item, k, n, rest_k, rest_n, min(p, 1.0)))
    cell_adjusted = holm([c[6] for c in cells])
    buildings = tuple(BuildingConcentration(*c, p_adj) for c, p_adj in zip(cells, cell_adjusted))
    items = []
    for item, (k, n) in counts.items():
        reasons = []
        if item in item_p and adjusted[item] < ALPHA and k >= MIN_FLAG_COUNT:
            reasons.append(f"不满意比例明显高于其他项目，Holm校正后{p_text(adjusted[item])}")
        if n and k >= MIN_FLAG_COUNT and k / n >= DISSATISFIED_LIMIT:
            reasons.append(f"不满意比例{k / n * 100:.1f}%，达到{DISSATISFIED_LIMIT * 100:.0f}%")
        hot = [c.building for c in buildings if c.item == item and c.flagged]
        if hot:
            reasons.append("集中于" + "、".join(hot))
        chi_p, indicative = _chi_square([_dissatisfied(item, members) for members in groups.values()])
        rest_k = sum(c[0] for other, c in counts.items() if other != item)
        rest_n = sum(c[1] for other, c in counts.items() if other != item)
        items.append(
            ItemConcentration(
                item,
                k,
                n,
                rest_k / rest_n if rest_n else None,
                item_p.get(item),
                adjusted.get(item),
                chi_p,
                indicative,
                tuple(reasons),
            )
        )
    return tuple(items), buildings


def serious(data: SurveyData) -> tuple[Answer, ...]:
    """The seriously dissatisfied households (CS-3.7.5.9): 非常不满意 to any item, or dissatisfied overall."""
    return tuple(
        a
        for a in data.answers
        if any(_level(a, item) == SEVERE for item in data.items)
        or (OVERALL_ITEM in data.items and _level(a, OVERALL_ITEM) in DISSATISFIED)
    )


def building_summaries(data: SurveyData) -> tuple[BuildingSummary, ...]:
    bad = {a.household for a in serious(data)}
    rows = []
    for building, members in by_building(data.answers).items():
        overall, _ = overall_rate(data.items, members)
        k = n = 0
        for item in data.items:
            ki, ni = _dissatisfied(item, members)
            k, n = k + ki, n + ni
        rows.append(
            BuildingSummary(
                building, len(members), overall, k, n, tuple(a.household for a in members if a.household in bad)
            )
        )
    return tuple(rows)


def handling_rate(handled: int | None, total: int | None) -> float | None:
    """CS-3.7.5.7: handled over collected opinions (the procedure asks for 100 %); ``None`` when unknown or none."""
    if handled is None or not total:
        return None
    return handled / total


def analyse(data: SurveyData, previous: SurveyData | None = None) -> Analysis:
    """Every figure of the survey report."""
    check(data)
    if previous is not None:
        check(previous)
    changes, not_compared = compare(data, previous) if previous is not None else ((), ())
    overall, from_item = overall_rate(data.items, data.answers, data.occupied)
    items_c, buildings_c = concentration(data)
    return Analysis(
        data=data,
        coverage=coverage(data),
        rates=rates(data),
        overall=overall,
        overall_from_item=from_item,
        distributions=distributions(data),
        changes=changes,
        not_compared=not_compared,
        items_concentration=items_c,
        buildings_concentration=buildings_c,
        serious=serious(data),
        buildings=building_summaries(data),
    )
