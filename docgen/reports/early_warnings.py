"""Early warnings of a possible major complaint (CS-3.7.4): "客户服务部在工作中必须注意客户投诉倾向，力争在客户产生
投诉前将问题解决，对于可能出现的重大投诉事件，必须及时提出预警信息".

A pattern is flagged the day it appears, not at the end of the quarter: each rule counts over the last N
calendar days up to the day asked about (``[warnings]`` in docgen.toml, printed with every warning by
:func:`rule_lines`):

- repeated complaints from one building: at least ``building_complaints`` complaints received from the same
  项目 and 楼栋 within ``building_days`` days;
- repeated callbacks rated 不满意 in one project: at least ``callback_unsatisfied`` callbacks (《回访记录》,
  CS-3.5.4; a case's latest callback counts once) rated 不满意 within ``callback_days`` days;
- a survey cluster: at least ``survey_unsatisfied`` households of one building answering 不满意 or 非常不满意 to
  an item of the 《客户满意度调查表》 (CS-3.7.5.9 "不满意项集中") within ``survey_days`` days; read from the
  ``survey.recorded`` events by :func:`survey_clusters`.

Like every report, a function of the ledger and the day (never the clock): the same ledger gives the same flags
for a past day. The daily 逾期预警 prints them (``weekly_docs.warning_context``), and ``docgen status``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from docgen.cases import Case, case_summaries, cases_of
from docgen.events import CASE_CALLED_BACK, SURVEY_RECORDED
from docgen.ledger import EventReads, Ledger
from docgen.procedures.satisfaction import DISSATISFIED
from docgen.wording import address, chinese_date
from docgen.workspace import EarlyWarnings

__all__ = ["CLAUSE", "Flag", "early_warnings", "flag_rows", "rule_lines", "survey_clusters"]

CLAUSE = "CS-3.7.4"
UNSATISFIED = "不满意"  # the callback's 满意程度 (CS-3.5.4)
BUILDING, CALLBACK, SURVEY = "building", "callback", "survey"
KIND_NAMES = {BUILDING: "同一楼栋重复投诉", CALLBACK: "回访不满意集中", SURVEY: "满意度调查不满意集中"}


@dataclass(frozen=True)
class Flag:
    """One pattern that may become a major complaint."""

    kind: str  # building | callback | survey
    project: str
    building: str  # "" when the rule counts a whole project
    count: int
    first: date  # the earliest and latest day counted
    last: date
    numbers: tuple[str, ...]  # 登记编号 (or households of a survey) counted
    days: int  # the window of the rule
    threshold: int

    @property
    def where(self) -> str:
        return address(self.project, self.building)

    @property
    def span(self) -> str:
        if self.first == self.last:
            return chinese_date(self.first)
        return f"{chinese_date(self.first)}至{chinese_date(self.last)}"

    @property
    def summary(self) -> str:
        """The flag without its dates, for the Word documents (LibreOffice may break a date of running Chinese
        text over two lines, docs/design.md §9)."""
        if self.kind == BUILDING:
            what = f"近{self.days}天内受理投诉{self.count}件"
        elif self.kind == CALLBACK:
            what = f"近{self.days}天内维修回访客户意见为“不满意”{self.count}次"
        else:
            what = f"近{self.days}天内客户满意度调查中{self.count}户表示不满意"
        return f"{self.where}{what}（达到{self.threshold}件即预警），可能引发重大投诉，请提前处理（{CLAUSE}）"

    @property
    def text(self) -> str:
        span = self.span
        if self.kind == BUILDING:
            what = f"{span}受理投诉{self.count}件"
        elif self.kind == CALLBACK:
            what = f"{span}维修回访客户意见为“不满意”{self.count}次"
        else:
            what = f"{span}客户满意度调查中{self.count}户对同一楼栋的事项表示不满意"
        return (
            f"{self.where}{what}（{self.days}天内达到{self.threshold}件即预警），可能引发重大投诉，"
            f"请提前处理（{CLAUSE}）"
        )


def rule_lines(settings: EarlyWarnings) -> list[str]:
    """The thresholds in force, as the warnings print them."""
    return [
        f"同一项目同一楼栋{settings.building_days}天内受理投诉达到{settings.building_complaints}件",
        f"同一项目{settings.callback_days}天内维修回访客户意见为“不满意”达到{settings.callback_unsatisfied}次",
        f"客户满意度调查中同一楼栋{settings.survey_days}天内表示不满意的达到{settings.survey_unsatisfied}户",
    ]


def _window(today: date, days: int) -> date:
    """The first day counted: the last ``days`` calendar days up to and including ``today``."""
    return today - timedelta(days=days - 1)


def _flag(kind: str, project: str, building: str, hits: list[tuple[date, str]], days: int, threshold: int) -> Flag:
    hits = sorted(hits)
    return Flag(kind, project, building, len(hits), hits[0][0], hits[-1][0], tuple(n for _, n in hits), days, threshold)


def building_repeats(cases: list[Case], settings: EarlyWarnings, today: date) -> list[Flag]:
    """Complaints received from one building (项目 + 楼栋) within ``building_days`` days, at least
    ``building_complaints``."""
    first = _window(today, settings.building_days)
    groups: dict[tuple[str, str], list[tuple[date, str]]] = defaultdict(list)
    for case in cases:
        registered = case.registered
        building = str(registered.get("building") or "").strip()
        received = registered.received.date()
        if building and first <= received <= today:
            groups[(str(registered.get("project") or "").strip(), building)].append((received, case.number))
    return [
        _flag(BUILDING, project, building, hits, settings.building_days, settings.building_complaints)
        for (project, building), hits in sorted(groups.items())
        if len(hits) >= settings.building_complaints
    ]


def unsatisfied_callbacks(cases: list[Case], settings: EarlyWarnings, today: date) -> list[Flag]:
    """Callbacks rated 不满意 in one project within ``callback_days`` days by their 回访日期 (a case's latest
    callback), at least ``callback_unsatisfied``."""
    first = _window(today, settings.callback_days)
    groups: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for case in cases:
        callbacks = [e for e in case.events if e.kind == CASE_CALLED_BACK]
        if not callbacks or callbacks[-1].payload.get("satisfaction") != UNSATISFIED:
            continue
        day = date.fromisoformat(callbacks[-1].payload["callback_date"])
        if first <= day <= today:
            groups[str(case.registered.get("project") or "").strip()].append((day, case.number))
    return [
        _flag(CALLBACK, project, "", hits, settings.callback_days, settings.callback_unsatisfied)
        for project, hits in sorted(groups.items())
        if len(hits) >= settings.callback_unsatisfied
    ]


def survey_clusters(source: EventReads, settings: EarlyWarnings, today: date) -> list[Flag]:
    """The hook of the satisfaction survey (CS-3.7.5.9 "不满意项集中"): households of one building answering
    不满意/非常不满意 (``procedures.satisfaction.DISSATISFIED``) to any item, within ``survey_days`` days, at least
    ``survey_unsatisfied``. Reads each ``survey.recorded`` payload as ``{community, surveyed_on, answers:
    [{household, building, ratings: {item: level}}]}`` (the shape of ``procedures.satisfaction.SurveyData``);
    a payload of another shape counts nothing. A household surveyed twice counts once (its latest answer)."""
    first = _window(today, settings.survey_days)
    latest: dict[tuple[str, str, str], tuple[date, bool]] = {}
    for event in source.events(kind=SURVEY_RECORDED):
        payload = event.payload
        project = str(payload.get("community") or payload.get("project") or "").strip()
        try:
            day = date.fromisoformat(str(payload.get("surveyed_on"))[:10])
        except ValueError:
            continue
        answers = payload.get("answers")
        if not project or not (first <= day <= today) or not isinstance(answers, list):
            continue
        for answer in answers:
            if not isinstance(answer, dict):
                continue
            ratings = answer.get("ratings")
            if not isinstance(ratings, dict):
                ratings = {}
            building = str(answer.get("building") or "").strip()
            household = str(answer.get("household") or "").strip()
            if building and household:
                unhappy = any(level in DISSATISFIED for level in ratings.values())
                latest[(project, building, household)] = (day, unhappy)
    groups: dict[tuple[str, str], list[tuple[date, str]]] = defaultdict(list)
    for (project, building, household), (day, unhappy) in latest.items():
        if unhappy:
            groups[(project, building)].append((day, household))
    return [
        _flag(SURVEY, project, building, hits, settings.survey_days, settings.survey_unsatisfied)
        for (project, building), hits in sorted(groups.items())
        if len(hits) >= settings.survey_unsatisfied
    ]


def early_warnings(ledger: Ledger, settings: EarlyWarnings, today: date, cases: list[Case] | None = None) -> list[Flag]:
    """Every pattern that stands on ``today`` (CS-3.7.4): repeated complaints from one building, callbacks rated
    不满意 in one project, survey clusters. ``cases``: already built from the ledger."""
    if cases is None:  # the cases a window can count (case_state), not every case of the ledger (issue 15)
        received = case_summaries(ledger, ledger.case_numbers_received(_window(today, settings.building_days), today))
        called_back = list(
            cases_of(ledger, ledger.case_numbers_called_back(_window(today, settings.callback_days), today))
        )
    else:
        received = called_back = cases
    return [
        *building_repeats([c for c in received if c.registered.received.date() <= today], settings, today),
        *unsatisfied_callbacks([c for c in called_back if c.registered.received.date() <= today], settings, today),
        *survey_clusters(ledger, settings, today),
    ]


def flag_rows(flags: list[Flag]) -> list[dict]:
    """The flags as the documents print them (every value a str)."""
    return [
        {
            "kind": KIND_NAMES[flag.kind],
            "where": flag.where,
            "count": str(flag.count),
            "span": flag.span,
            "numbers": "、".join(flag.numbers),
            "text": flag.text,
            "summary": flag.summary,
            "clause": CLAUSE,
        }
        for flag in flags
    ]
