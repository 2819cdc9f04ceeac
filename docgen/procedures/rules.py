"""Procedure rules for the register. Plain functions: facts in, findings (or derived facts) out.

Each cites the clause it enforces. None of them raises for something a clerk can fix: a wrong value
is an ``error`` finding on its cell; a breach of the procedure by true facts is a ``violation``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Callable, Protocol

from docgen.findings import Finding, error, warning
from docgen.forms.base import Raw
from docgen.forms.register import RegisterLine
from docgen.ledger import NumberFormat
from docgen.procedures.workdays import Deadline, WorkCalendar
from docgen.wording import chinese_date


# What these rules read of the settings: ``docgen.workspace.Settings`` (its ``routing`` and ``deadlines``
# sections) fits these read-only protocols. The procedures sit below the workspace and do not import it.
class RoutingSettings(Protocol):
    @property
    def departments(self) -> Mapping[str, str]: ...  # 投诉类别 → 责任部门

    @property
    def repair_categories(self) -> Container[str]: ...  # categories that need a site survey (CS-3.4.5)


class DeadlineSettings(Protocol):
    @property
    def feedback_workdays(self) -> int: ...  # CS-3.4.2.2

    @property
    def survey_workdays(self) -> int: ...  # CS-3.4.5

    @property
    def other_complaint_days(self) -> int: ...  # CS-3.4.5 (calendar days)


class RuleSettings(Protocol):
    @property
    def routing(self) -> RoutingSettings: ...

    @property
    def deadlines(self) -> DeadlineSettings: ...


# When a register gives the day but not the hour, the complaint is taken as received within office
# hours: the earlier, stricter reading of every deadline, never a later one.
UNKNOWN_TIME = time(9, 0)


@dataclass(frozen=True)
class DeadlineRecord:
    key: str  # feedback | survey | settle
    label: str  # what must happen, in Chinese
    due: str  # ISO date, inclusive
    clause: str
    provisional: bool
    basis: str
    actor: str = ""  # who must act
    # A time limit the procedure recommends (宜, CS-3.4.5's week for other complaints): shown as 建议时限,
    # passing it is no breach.
    advisory: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def received_at(line: RegisterLine) -> datetime:
    return datetime.combine(line.received_date, line.received_time or UNKNOWN_TIME)


def is_repair(line: RegisterLine, settings: RuleSettings) -> bool:
    return line.category in settings.routing.repair_categories


def responsible_department(line: RegisterLine, settings: RuleSettings) -> str:
    """CS-3.4.2: every complaint gets a responsible department (责任部门).

    Defaults follow NC-3.2.4 (sales service → 经营销售部) and NC-3.2.5 (after handover, repairs by
    客户服务部 with its repair team); the routing table in ``docgen.toml`` overrides them, and a
    department the clerk wrote on the line overrides both.
    """
    return line.department or settings.routing.departments[line.category]


def routing_findings(line: RegisterLine, settings: RuleSettings, where: Raw | None, row: int) -> list[Finding]:
    """CS-3.4.2: a department written by hand that differs from the routing table is noted."""
    routed = settings.routing.departments[line.category]
    if line.department and line.department != routed:
        return [
            warning(
                f"第{row}行：“{line.category}”类投诉按规定由{routed}负责，登记表指定为{line.department}，"
                f"已按登记表执行",
                clause="CS-3.4.2",
                field="lines.department",
                **_at(where),
            )
        ]
    return []


def feedback_deadline(
    line: RegisterLine, settings: RuleSettings, calendar: WorkCalendar, dispatched: date | None
) -> Deadline:
    """CS-3.4.2.2: 3 working days "在接受投诉信息后", after the responsible department receives the complaint,
    that is from the 转办单 (issued the day the register is processed, ``dispatched``), never before the
    complaint itself was received. Registered the day it was received, it counts from the receipt (its hour and
    the cut-off); registered later, from the dispatch day."""
    n = settings.deadlines.feedback_workdays
    receipt = calendar.due_within_workdays(received_at(line), n)
    if dispatched is None or dispatched <= line.received_date:
        return receipt
    dispatch = calendar.due_within_workdays_of_day(dispatched, n, "登记转办（转办单日期）")
    if dispatch.due <= receipt.due:  # received after the cut-off, registered the next working day
        return receipt
    return Deadline(dispatch.due, dispatch.provisional, f"{chinese_date(line.received_date)}受理，" + dispatch.basis)


@dataclass(frozen=True)
class RegistrationLag:
    """How long a complaint waited between its receipt and its registration (CS-3.4.3, CS-3.4.2.2)."""

    registered_on: date
    workdays: int  # working days from the receipt's first working day to the registration's
    receipt_feedback_due: date  # the feedback deadline as it would have counted from receipt

    @property
    def late(self) -> bool:
        """Registered only after the department's whole feedback time, counted from receipt, had run out."""
        return self.registered_on > self.receipt_feedback_due


def registration_lag(
    line: RegisterLine, settings: RuleSettings, calendar: WorkCalendar, registered_on: date
) -> RegistrationLag:
    moment = received_at(line)
    start = calendar.effective_start(moment)
    receipt_due = calendar.due_within_workdays(moment, settings.deadlines.feedback_workdays).due
    return RegistrationLag(registered_on, calendar.workdays_late(start, registered_on), receipt_due)


def check_registration_lag(lag: RegistrationLag, line: RegisterLine, where: Raw | None, row: int) -> list[Finding]:
    """CS-3.4.3 (the complaint is entered and passed on "同时", at once) and CS-3.4.2.2: a complaint registered
    after the feedback deadline counted from its receipt is noted with how late it was; the department's time
    counts from the dispatch (``feedback_deadline``). A true fact: a warning, never a rejection."""
    if not lag.late:
        return []
    return [
        warning(
            f"第{row}行于{chinese_date(line.received_date)}受理，{chinese_date(lag.registered_on)}才登记转办，"
            f"晚了{lag.workdays}个工作日：自受理起算的反馈期限{chinese_date(lag.receipt_feedback_due)}在登记前已过。"
            "责任部门的3个工作日自转办之日起算（CS-3.4.2.2）；投诉信息应在受理时即填入登记表并转办",
            clause="CS-3.4.3",
            field="lines.received_date",
            **_at(where),
        )
    ]


def deadlines(
    line: RegisterLine, settings: RuleSettings, calendar: WorkCalendar, dispatched: date | None = None
) -> list[DeadlineRecord]:
    """The time limits that start when a complaint is registered (``dispatched``: the day of its 转办单)."""
    moment = received_at(line)
    limits = settings.deadlines
    records = []
    feedback = feedback_deadline(line, settings, calendar, dispatched)
    department = responsible_department(line, settings)
    records.append(
        DeadlineRecord(
            "feedback",
            "责任部门向客户服务部反馈处理信息",
            feedback.due.isoformat(),
            "CS-3.4.2.2",
            feedback.provisional,
            feedback.basis,
            department,
        )
    )
    if is_repair(line, settings):
        survey = calendar.due_within_workdays(moment, limits.survey_workdays)
        records.append(
            DeadlineRecord(
                "survey",
                "现场勘察并填写《现场勘察会签表》",
                survey.due.isoformat(),
                "CS-3.4.5",
                survey.provisional,
                survey.basis,
                "客户服务部、工程材料部（或物业公司）、维修队长",
            )
        )
    else:
        # "其他投诉事件的处理时间宜在一周内解决": advisory (宜), and never before the department's feedback is due.
        settle = calendar.due_within_days(moment, limits.other_complaint_days)
        due, provisional, basis = settle.due, settle.provisional, settle.basis
        if feedback.due > due:
            due, provisional = feedback.due, feedback.provisional
            basis += f"；早于反馈期限，建议时限取反馈期限{chinese_date(feedback.due)}"
        records.append(
            DeadlineRecord(
                "settle",
                SETTLE_LABEL,
                due.isoformat(),
                "CS-3.4.5",
                provisional,
                basis,
                department,
                advisory=True,
            )
        )
    return records


SETTLE_LABEL = "投诉事件处理解决"


def _at(raw: Raw | None) -> dict:
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


def check_received_date(line: RegisterLine, today: date, where: Raw | None, row: int) -> list[Finding]:
    """A complaint cannot be received after the day the register is processed (CS-3.4.3)."""
    if line.received_date > today:
        return [
            error(
                f"第{row}行“受理日期”{line.received_date.isoformat()}晚于今天（{today.isoformat()}）；"
                "请填写实际受理的日期",
                clause="CS-3.4.3",
                field="lines.received_date",
                **_at(where),
            )
        ]
    return []


def same_complaint(line: RegisterLine, registered: dict) -> bool:
    """Whether a line re-submitted with a number is the complaint that number was given to."""
    return (
        registered.get("received_date") == line.received_date.isoformat()
        and registered.get("customer") == line.customer
        and registered.get("phone") == line.phone
    )


def check_numbers(
    lines: list[RegisterLine],
    rows: list[int],
    sources: list[dict[str, Raw]],
    numbering: NumberFormat,
    registered: Callable[[str], dict | None],
) -> list[Finding]:
    """CS-3.4.3: one unified number per complaint. A number already present is kept; a number that
    belongs to another complaint, or appears twice, is an error on its cell."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for line, row, source in zip(lines, rows, sources):
        if not line.number:
            continue
        where = _at(source.get("number"))
        # A number docgen issued stays valid whatever its width (KF-2026-99999 after widening to
        # {seq:06d}); only a number that would be new must have the configured format.
        if numbering.parse(line.number) is None and registered(line.number) is None:
            example = numbering.format(line.received_date.year, 1)
            findings.append(
                error(
                    f"第{row}行的登记编号“{line.number}”格式不对；应为 {example} 这样的统一编号，或留空由系统编号",
                    clause="CS-3.4.3",
                    field="lines.number",
                    **where,
                )
            )
            continue
        if line.number in seen:
            findings.append(
                error(
                    f"第{row}行“登记编号”{line.number}与第{seen[line.number]}行重复；一个编号只能对应一件投诉",
                    clause="CS-3.4.3",
                    field="lines.number",
                    **where,
                )
            )
            continue
        seen[line.number] = row
        earlier = registered(line.number)
        if earlier is not None and not same_complaint(line, earlier):
            findings.append(
                error(
                    f"第{row}行“登记编号”{line.number}已登记给另一件投诉（客户{earlier.get('customer')}，"
                    f"电话{earlier.get('phone')}，{earlier.get('received_date')}受理），与本行的客户姓名、联系电话或"
                    "受理日期不一致；请核对编号，新的投诉请将编号留空由系统编号",
                    clause="CS-3.4.3",
                    field="lines.number",
                    **where,
                )
            )
    return findings


# Facts fixed at registration; a returned register that shows them changed does not change the case.
REGISTERED_FACTS = ("channel", "project", "building", "room", "content", "category", "receiver")


def unchanged_facts(line: RegisterLine, registered: dict, sources: dict[str, Raw], row: int) -> list[Finding]:
    """CS-3.4.3: a registered complaint keeps what was registered; a changed cell is pointed out."""
    findings = []
    for key in REGISTERED_FACTS:
        now, then = getattr(line, key), registered.get(key)
        if (now or None) != (then or None):
            findings.append(
                warning(
                    f"第{row}行：{registered['number']} 登记时“{key_title(key)}”为“{then or ''}”，本次为“{now or ''}”；"
                    "已登记的内容不因重新提交而改变，如需更正请联系客户服务部",
                    clause="CS-3.4.3",
                    field=f"lines.{key}",
                    **_at(sources.get(key)),
                )
            )
    return findings


def key_title(key: str) -> str:
    return RegisterLine.model_fields[key].title or key


# ------------------------------------------------------------ closing a complaint on the register (CS-3.4.4)


def closing_findings(line: RegisterLine, repair: bool, sources: dict[str, Raw], row: int) -> list[Finding]:
    """Form version 2: 处理结果, 办结日期 and 客户意见 close a complaint other than a repair (CS-3.4.4, CS-3.4.5).
    Each wrong combination is an error on the cell to fill or to clear."""
    findings: list[Finding] = []
    if line.closed_date is None:
        filled = [title for key, title in (("result", "处理结果"), ("opinion", "客户意见")) if getattr(line, key)]
        if filled:
            findings.append(
                error(
                    f"第{row}行填写了“{'”“'.join(filled)}”，但“办结日期”未填写：已处理完毕的投诉请填写办结日期；"
                    "尚未处理完毕的请将其留空，在“处理进展”中注明处理过程",
                    clause="CS-3.4.4",
                    field="lines.closed_date",
                    **_at(sources.get("closed_date") or sources.get("result") or sources.get("opinion")),
                )
            )
        return findings
    if repair:
        findings.append(
            error(
                f"第{row}行是维修类投诉，完工、回访和结算（或客户确认报价）齐全时自动办结，不在登记表上办结；"
                "请将“办结日期”留空（处理结果和客户意见也留空）",
                clause="CS-3.4.5",
                field="lines.closed_date",
                **_at(sources.get("closed_date")),
            )
        )
        return findings
    if line.closed_date < line.received_date:
        findings.append(
            error(
                f"第{row}行“办结日期”{line.closed_date.isoformat()}早于受理日期{line.received_date.isoformat()}；"
                "请填写投诉实际处理完毕的日期（不早于受理日期）",
                clause="CS-3.4.4",
                field="lines.closed_date",
                **_at(sources.get("closed_date")),
            )
        )
    if not line.result:
        findings.append(
            error(
                f"第{row}行填写了“办结日期”，但“处理结果”未填写；办结时请写明处理结果",
                clause="CS-3.4.4",
                field="lines.result",
                **_at(sources.get("result") or sources.get("closed_date")),
            )
        )
    return findings
