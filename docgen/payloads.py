"""The payload of each event kind with known fields, as a pydantic model (docs/design.md §7).

The steps validate a payload against its kind's model before appending it (``checked``; ``steps.base.record``),
so a step that forgets a field fails at once instead of leaving a case the reports cannot read (the ledger
itself stays generic and stores any payload). What is *stored* is still
the payload as given (its canonical JSON, covered by the hash chain), never the model's dump: ledgers
written before these models read unchanged, and a model dumped with ``mode="json", exclude_unset=True``
gives back the stored JSON byte for byte (tests/test_events.py). Payloads vary with the forms, so every
model allows extra fields; only what docgen reads is declared.

Imports only the catalogue (docgen.events) and pydantic: a lower layer.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from docgen.events import (
    CASE_APPROVAL_REQUESTED,
    CASE_APPROVED,
    CASE_ASSISTING,
    CASE_CALLED_BACK,
    CASE_CLOSED,
    CASE_COMPLETED,
    CASE_ESCALATED,
    CASE_FINAL_ACCOUNT,
    CASE_HANDLER,
    CASE_MEASURE,
    CASE_PAID,
    CASE_PROGRESS,
    CASE_QUOTE_ANSWERED,
    CASE_QUOTED,
    CASE_REGISTERED,
    CASE_SETTLED,
    CASE_SPECIAL_REPORT,
    CASE_SURVEYED,
    CASE_WORK_ORDERED,
    COMMUNITY_OCCUPANCY,
    NC_ACTION,
    NC_RECORDED,
    NC_VERIFIED,
    PLAN_ADJUSTMENT,
    PLAN_FINANCE_REVIEW,
    PLAN_GROUP_REPORT,
    PLAN_PROJECTS,
    PLAN_REPORT,
    PLAN_TARGETS,
    PLAN_WARNING,
    PRODUCT_ISSUE,
    PRODUCT_USAGE,
    SALES_INQUIRY,
    SURVEY_DRAFTED,
    SURVEY_RECORDED,
    SURVEY_REVISIT,
)
from docgen.wording import chinese_date, chinese_datetime

__all__ = ["PAYLOADS", "InvalidPayload", "Payload", "NewRegistration", "RegisteredPayload", "checked", "validate"]


class Payload(BaseModel):
    """A payload: its declared fields typed, any other field kept as stored."""

    model_config = ConfigDict(extra="allow")

    def stored(self) -> dict[str, Any]:
        """The payload as stored (JSON types), the fields it was built from only."""
        return self.model_dump(mode="json", exclude_unset=True)


class Deadline(Payload):
    """A deadline record (``procedures.rules.DeadlineRecord.as_dict``)."""

    key: str
    label: str
    due: date
    clause: str
    provisional: bool
    actor: str | None = None
    basis: str | None = None


class RegisteredPayload(Payload):
    """``case.registered`` as read: a line of the register (CS-3.4.3) with its number, routing and deadlines.
    Every field may be absent (older ledgers, other writers); what the register step writes is checked
    against ``NewRegistration``."""

    number: str | None = None
    received_date: date | None = None
    received_at: datetime | None = None  # older payloads: received_date only
    received_time: time | None = None
    time_known: bool = False
    channel: str | None = None
    customer: str | None = None
    phone: str | None = None
    project: str | None = None
    building: str | None = None
    room: str | None = None
    content: str | None = None
    category: str | None = None
    major: bool = False
    receiver: str | None = None
    progress: str | None = None
    department: str | None = None
    office: str | None = None
    repair: bool = False
    repair_team: str | None = None
    deadlines: list[Deadline] = []
    provisional: bool = False
    source: dict[str, Any] | None = None
    # The day the register was processed and the 转办单 issued (the department's feedback counts from it,
    # CS-3.4.2.2), and how many working days after its receipt (CS-3.4.3); older payloads: absent.
    registered_on: date | None = None
    registration_lag_workdays: int | None = None
    registration_late: bool = False  # registered after the feedback deadline counted from receipt had passed

    @property
    def received(self) -> datetime:
        """When the case was received (``received_at``; older payloads: midnight of ``received_date``)."""
        if self.received_at is not None:
            return self.received_at
        if self.received_date is None:
            raise KeyError("received_date")
        return datetime.combine(self.received_date, time())

    @property
    def received_text(self) -> str:
        """``2026年11月27日 14:30`` when the time was written on the register, else ``2026年11月27日``
        (``wording.received_text``)."""
        return chinese_datetime(self.received) if self.time_known else chinese_date(self.received.date())

    def get(self, key: str, default: Any = None) -> Any:
        """A field by its stored name (typed), as the plain dicts were read: ``default`` when absent."""
        if key in type(self).model_fields:
            return getattr(self, key) if key in self.model_fields_set else default
        return (self.model_extra or {}).get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields and key not in (self.model_extra or {}):
            raise KeyError(key)
        return getattr(self, key)


class NewRegistration(RegisteredPayload):
    """``case.registered`` as the register step writes it (``steps.register.case_payload``)."""

    number: str
    received_date: date
    received_at: datetime
    time_known: bool
    channel: str
    customer: str
    phone: str
    project: str
    content: str
    category: str
    major: bool
    department: str
    office: str
    repair: bool
    deadlines: list[Deadline]
    provisional: bool


class EscalatedPayload(Payload):
    """``case.escalated`` (CS-3.4.7)."""

    recipients: list[str]
    clause: str
    # The measures the general manager and deputy GM draft (key ``measures``); older payloads: none.
    deadlines: list[Deadline] = []


class TrackedItem(Payload):
    """The fields of a tracked item (``docgen.actions``): what is to be done, by whom, by when, and its one deadline
    ``action-<seq>``."""

    text: str
    owner: str
    due: date
    deadlines: list[Deadline]


class WordedAsDecision(TrackedItem):
    """A tracked item worded as a decision of minutes is: ``meeting_type``/``meeting_date`` name the form it came
    from and its day."""

    meeting_type: str
    meeting_date: date


class MeasurePayload(TrackedItem):
    """``case.measure``: one line of the returned 《重大投诉处理措施单》 (CS-3.4.7, CS-2.1.2), a tracked action
    (its one deadline ``action-<seq>``, due on its 完成期限, the owner as who must act)."""

    drafter: str
    drafted_date: date


class HandlerPayload(Payload):
    """``case.handler``: the person the responsible department designated (CS-3.4.2.1)."""

    handler: str
    department: str


class AssistingPayload(Payload):
    """``case.assisting``: a department named to assist on a registered case (CS-2.1.3: 法律事务中心)."""

    assisting: str


class ProgressPayload(Payload):
    """``case.progress`` (CS-3.4.4)."""

    progress: str


class SurveyedPayload(Payload):
    """``case.surveyed``: the 《现场勘察会签表》 (CS-3.4.5)."""

    case_number: str
    survey_date: date
    in_warranty: bool | None = None
    responsible_party: str | None = None
    contractor: str | None = None
    repairer: str | None = None
    work_kind: str | None = None
    estimate: str | None = None


class ApprovalRequestedPayload(Payload):
    """``case.approval_requested``: a survey's estimate above 1,000 yuan waits for its approval (CS-3.6.1)."""

    estimate: str
    approvers: list[str]
    deadlines: list[Deadline] = []


class ApprovedPayload(Payload):
    """``case.approved``: the 《维修费用审批单》 signed by the tier the estimate needs (CS-3.6.1)."""

    case_number: str
    approved_date: date
    estimate: str


class QuotedPayload(Payload):
    """``case.quoted``: a repair the customer pays, quoted to the customer (CS-3.4.5 责任方)."""

    amount: str
    responsible_party: str


class QuoteAnsweredPayload(Payload):
    """``case.quote_answered``: the customer's answer to the quote (《维修报价确认单》)."""

    case_number: str
    answered_date: date
    accepted: bool


class WorkOrderedPayload(Payload):
    """``case.work_ordered``: the work order given (CS-3.4.6)."""

    order_number: str
    order_class: str
    deadlines: list[Deadline] = []


class CompletedPayload(Payload):
    """``case.completed``: the work order completed (CS-3.5.2)."""

    case_number: str
    order_number: str
    completed_date: date
    deadlines: list[Deadline] = []


class CalledBackPayload(Payload):
    """``case.called_back`` (CS-3.5.4)."""

    case_number: str
    callback_date: date
    satisfaction: str | None = None  # 满意 / 基本满意 / 不满意: the ratings and the weekly report read it


class FinalAccountPayload(Payload):
    """``case.final_account``: the 决算书 (CS-3.5.5)."""

    case_number: str
    order_number: str
    prepared_date: date
    total: str


class SettledPayload(Payload):
    """``case.settled``: the 结算书 (CS-3.5.6 – 3.6.1)."""

    case_number: str
    order_number: str
    audited_amount: str


class ClosedPayload(Payload):
    """``case.closed``."""

    reason: str
    # Closed on the register (form version 2, CS-3.4.4): the day, the result, the customer's opinion, and
    # whether the customer agreed (False: closed without the customer's agreement, 客户未认可).
    closed_date: date | None = None
    result: str | None = None
    opinion: str | None = None
    agreed: bool | None = None


class PaidPayload(Payload):
    """``case.paid``: the 《付款确认单》 returned by 财务计统部 (CS-3.5.9), the money back in the fund (CS-3.6)."""

    case_number: str
    order_number: str
    paid_date: date
    paid_amount: str
    settled_amount: str
    fund: str | None = None


class SpecialReportPayload(Payload):
    """``case.special_report``: the completed 专题报告 (CS-3.10.6), its two sections as written."""

    report_date: date
    analysis: str
    measures: str
    reporter: str | None = None
    file: str | None = None


class ProductUsagePayload(Payload):
    """``product.usage``: a 《产品使用情况表》 (CS-3.7.3), recorded on no case."""

    project: str
    started: date
    filled_by: str
    filled_date: date
    items: int
    abnormal: int


class ProductIssuePayload(WordedAsDecision):
    """``product.issue``: one 异常 line of a 《产品使用情况表》, a tracked item (its one deadline ``action-<seq>``)
    for 工程材料部; worded as a decision is (``meeting_type``/``meeting_date``: the form and its 填表日期)."""

    project: str
    item: str
    filled_date: date


class OccupancyPayload(Payload):
    """``community.occupancy``: a community's 《入住情况表》 (CS-3.7, CS-3.7.5), recorded on no case. ``rooms``: one
    ``[楼栋, 房号, 交付, 入住, 业主姓名, 联系电话]`` per household."""

    project: str
    as_of: date
    households: int
    delivered: int
    occupied: int
    rooms: list[list[Any]]
    delivered_date: date | None = None


class SurveyDraftedPayload(Payload):
    """``survey.drafted``: ``docgen survey draft`` (CS-3.7.5.5); for an annual survey the random sample and its
    seed (CS-3.7.5.2), so the draw can be repeated."""

    number: str
    project: str
    kind: str
    drafted_on: date
    items: list[str]
    listed: list[list[str]]  # [楼栋, 房号] of every household on the form
    occupied: int
    seed: int | None = None


class SurveyRecordedPayload(Payload):
    """``survey.recorded``: a returned 《客户满意度调查表》 (CS-3.7.5 … 3.7.5.9). ``answers``: one dict per surveyed
    household (``building``, ``room``, ``mode``, ``date``, ``interviewer``, ``ratings`` item → level); ``opinions``:
    each free-text opinion with its row and the case it became (``case``)."""

    number: str
    project: str
    kind: str
    surveyed_on: date
    households: int
    occupied: int
    items: list[str]
    answers: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    revisits: list[str]


class SurveyRevisitPayload(WordedAsDecision):
    """``survey.revisit``: a seriously dissatisfied household for the manager's re-visit (CS-3.7.5.9), a tracked item
    (its one deadline ``action-<seq>``), worded as a decision is (``meeting_type``/``meeting_date``: the survey and
    the interview's day)."""

    survey: str
    project: str
    household: str


class NcRecordedPayload(Payload):
    """``nc.recorded``: one returned 《纠正措施记录》 (NC-5.1) as it states the record ``number``, with the department
    docgen routed it to (``expected``, NC-2.1/NC-3.2.x) beside the one it names (``department``)."""

    number: str
    category: str
    source: str
    project: str
    found_on: date
    supplier: str | None = None
    supply: str | None = None
    contractor: str | None = None
    defect: str
    description: str
    severity: str
    correction: str
    department: str
    expected: str | None = None
    coordinator: str | None = None
    due: date | None = None
    done_on: date | None = None
    verified_on: date | None = None
    verification: str | None = None
    clause: str
    case_number: str | None = None  # the complaint case a record was opened from (NC-3.1.5/3.1.6), on that case


class NcActionPayload(WordedAsDecision):
    """``nc.action``: the corrective action of a record, a tracked item (its one deadline ``action-<seq>``) for the
    responsible department; worded as a decision is (``meeting_type``/``meeting_date``: the record and its day)."""

    number: str
    project: str


class NcVerifiedPayload(Payload):
    """``nc.verified``: 总经室's verification of a record's corrective action (NC-2.3), 有效 or 无效."""

    number: str
    result: Literal["有效", "无效"]
    verified_on: date
    verifier: str | None = None
    new_due: date | None = None


class PlanTargetLine(Payload):
    """One line of the approved annual targets: a unit's indicator, its year and its quarters (decimal strings)."""

    unit: str
    indicator: str
    annual: str
    quarters: dict[str, str]  # "1" … "4" → the quarter's target


class PlanProjectLine(Payload):
    """One project line of the annual plan (PL-3.2.4: the balance of sales, delivery and construction)."""

    project: str
    start_on: date | None = None
    completion_on: date | None = None
    delivery_on: date | None = None
    saleable_area: str | None = None
    sales_area: str | None = None
    sales_amount: str | None = None
    collection_amount: str | None = None


class PlanTargetsPayload(Payload):
    """``plan.targets``: the year's approved targets (PL-3.2.3), whole; the latest for a year replaces the earlier."""

    year: int
    approved_on: date
    lines: list[PlanTargetLine]
    projects: list[PlanProjectLine] = []
    file: str | None = None


class PlanProjectsPayload(Payload):
    """``plan.projects``: the year's project lines (PL-3.2.4), whole; the latest for a year replaces the earlier."""

    year: int
    approved_on: date
    projects: list[PlanProjectLine]
    file: str | None = None


class PlanReportLinePayload(Payload):
    """One indicator line of a 《计划执行报告》 as docgen computed it (decimal strings)."""

    indicator: str
    planned: str
    actual: str
    cumulative_planned: str
    cumulative_actual: str
    deviation_pct: str | None = None
    adverse: bool = False
    warned: bool = False
    reason: str = ""


class PlanReportPayload(Payload):
    """``plan.report``: a unit's 《计划执行报告》 for a period (PL-3.3.1), with its due dates and lateness."""

    unit: str
    year: int
    period: Literal["Q1", "Q2", "Q3", "Q4", "年度"]
    submitted_on: date
    due_on: date
    late: bool
    lines: list[PlanReportLinePayload]
    problems: list[str] = []
    experience: str = ""
    shortfalls: str = ""
    reporter: str | None = None
    finance_due_on: date | None = None  # a branch's report: 财务计统部 reviews it by then (PL-3.3.2)
    finance_due_provisional: bool = False  # that deadline runs into a year whose holidays are not published


class PlanFinanceReviewPayload(Payload):
    """``plan.finance_review``: 财务计统部's review of a branch's report (PL-3.3.2)."""

    unit: str
    year: int
    period: Literal["Q1", "Q2", "Q3", "Q4", "年度"]
    reviewer: str
    reviewed_on: date
    opinion: Literal["通过", "需修改"]
    note: str = ""
    due_on: date
    late: bool


class PlanWarningPayload(Payload):
    """``plan.warning``: a 《计划预警通知》 issued for an adverse deviation (PL-3.3.4, PL-3.4.2)."""

    unit: str
    year: int
    period: Literal["Q1", "Q2", "Q3", "Q4", "年度"]
    indicator: str
    deviation_pct: str
    issued_on: date


class PlanAdjustmentPayload(Payload):
    """``plan.adjustment``: a 《计划调整方案》 (PL-3.4.2) as proposed (待审批) or decided (已批准/未批准)."""

    number: str
    year: int
    unit: str
    indicator: str
    effective_quarter: int
    old_targets: dict[str, str]
    new_targets: dict[str, str]
    reason: str
    proposer: str | None = None
    proposed_on: date
    status: Literal["待审批", "已批准", "未批准"]
    approver: str | None = None
    approved_on: date | None = None


class PlanGroupReportPayload(Payload):
    """``plan.group_report``: 企业发展中心 produced the group execution report of a period (PL-3.3.3) on ``produced_on``;
    its window (PL-3.4.3) as it stood then, and the files written."""

    year: int
    period: Literal["Q1", "Q2", "Q3", "Q4", "半年", "年度"]
    produced_on: date
    window_start: date
    window_end: date
    files: list[str] = []


class SalesInquiryPayload(Payload):
    """``sales.inquiry``: a 《客户信息征询表》 (NC-5.2, NC-3.2.4 A), recorded on no case. ``counts``: item → level →
    customers; ``lines``: one dict per customer (``row``, ``key``, ``customer``, ``room``, ``consultant``,
    ``answers``, ``unsatisfied``, ``record``: the 《纠正措施记录》 its 不满意 opened, or None)."""

    project: str
    filled_on: date
    supervisor: str
    customers: int
    items: list[str]
    counts: dict[str, dict[str, int]]
    lines: list[dict[str, Any]]


PAYLOADS: dict[str, type[Payload]] = {
    CASE_REGISTERED: NewRegistration,
    CASE_ESCALATED: EscalatedPayload,
    CASE_MEASURE: MeasurePayload,
    CASE_HANDLER: HandlerPayload,
    CASE_ASSISTING: AssistingPayload,
    CASE_PROGRESS: ProgressPayload,
    CASE_SURVEYED: SurveyedPayload,
    CASE_APPROVAL_REQUESTED: ApprovalRequestedPayload,
    CASE_APPROVED: ApprovedPayload,
    CASE_QUOTED: QuotedPayload,
    CASE_QUOTE_ANSWERED: QuoteAnsweredPayload,
    CASE_WORK_ORDERED: WorkOrderedPayload,
    CASE_COMPLETED: CompletedPayload,
    CASE_CALLED_BACK: CalledBackPayload,
    CASE_FINAL_ACCOUNT: FinalAccountPayload,
    CASE_SETTLED: SettledPayload,
    CASE_CLOSED: ClosedPayload,
    CASE_PAID: PaidPayload,
    CASE_SPECIAL_REPORT: SpecialReportPayload,
    PRODUCT_USAGE: ProductUsagePayload,
    PRODUCT_ISSUE: ProductIssuePayload,
    COMMUNITY_OCCUPANCY: OccupancyPayload,
    SURVEY_DRAFTED: SurveyDraftedPayload,
    SURVEY_RECORDED: SurveyRecordedPayload,
    SURVEY_REVISIT: SurveyRevisitPayload,
    NC_RECORDED: NcRecordedPayload,
    NC_ACTION: NcActionPayload,
    NC_VERIFIED: NcVerifiedPayload,
    SALES_INQUIRY: SalesInquiryPayload,
    PLAN_TARGETS: PlanTargetsPayload,
    PLAN_PROJECTS: PlanProjectsPayload,
    PLAN_REPORT: PlanReportPayload,
    PLAN_FINANCE_REVIEW: PlanFinanceReviewPayload,
    PLAN_WARNING: PlanWarningPayload,
    PLAN_ADJUSTMENT: PlanAdjustmentPayload,
    PLAN_GROUP_REPORT: PlanGroupReportPayload,
}


class InvalidPayload(ValueError):
    """A payload its kind's model refuses (a field missing or of the wrong type)."""


def validate(kind: str, payload: dict) -> Payload | None:
    """``payload`` as its kind's model (None: a kind with no model); InvalidPayload if it does not fit."""
    model = PAYLOADS.get(kind)
    if model is None:
        return None
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise InvalidPayload(f"{kind}: {error}") from error


def checked(kind: str, payload: dict) -> dict:
    """``payload`` itself, once its kind's model accepts it (InvalidPayload otherwise): what a step appends."""
    validate(kind, payload)
    return payload
