"""The catalogue of event kinds (docs/design.md §7): each kind the ledger records, declared once.

A kind is a ``str`` (its stored name, ``"case.registered"``), so the ledger stores and compares it exactly as
the bare strings it replaced and existing ledgers read unchanged. It also carries:

- ``label``: the one Chinese name the clerk reads (``docgen status``, minutes drafts, dossier, reports);
- ``day_field``: the payload field holding the day it happened (else the day it was recorded);
- ``marks_stage``: the stage of a case once it has this event (``cases.Case.stage``; the latest stage in
  the order declared below wins);
- ``meets``: the deadline keys it meets (``cases.build``).

A leaf: it imports nothing from docgen.
"""

from __future__ import annotations


class EventKind(str):
    """An event kind: its stored name, with what docgen knows about it."""

    label: str
    day_field: str | None
    marks_stage: str | None
    meets: tuple[str, ...]

    def __new__(
        cls,
        name: str,
        *,
        label: str,
        day_field: str | None = None,
        marks_stage: str | None = None,
        meets: tuple[str, ...] = (),
    ) -> EventKind:
        kind = super().__new__(cls, name)
        kind.label, kind.day_field, kind.marks_stage, kind.meets = label, day_field, marks_stage, meets
        return kind

    @property
    def name(self) -> str:
        return str.__str__(self)


# ------------------------------------------------------------------ submissions (one per file processed)
SUBMISSION_ACCEPTED = EventKind("submission.accepted", label="文件已受理")
SUBMISSION_REJECTED = EventKind("submission.rejected", label="文件被退回")
SUBMISSION_DUPLICATE = EventKind("submission.duplicate", label="重复提交")
SUBMISSION_KINDS = (SUBMISSION_ACCEPTED, SUBMISSION_REJECTED, SUBMISSION_DUPLICATE)

# ------------------------------------------------------------------ a case, in the order of its chain
# ``feedback`` (CS-3.4.4) is met by the first response recorded after registration, on the day recorded;
# the other deadlines by the latest event meeting them, on its ``day_field`` (see FIRST_RESPONSE).
CASE_REGISTERED = EventKind("case.registered", label="登记受理", day_field="received_at", marks_stage="已登记")
CASE_ESCALATED = EventKind("case.escalated", label="上报重大投诉")
# A major complaint's measures (CS-3.4.7, CS-2.1.2): each line of the returned 《重大投诉处理措施单》 is a tracked
# action (deadline ``action-<seq>``, met like a decision of minutes); the first meets ``measures``, the one working
# day the general manager and deputy GM have to draft them (``[escalation] measures_workdays``).
CASE_MEASURE = EventKind("case.measure", label="重大投诉处理措施", day_field="drafted_date", meets=("measures",))
# The person the responsible department designated to handle the complaint (CS-3.4.2.1), and a department
# named to assist on it, e.g. 法律事务中心 (CS-2.1.3), named on the register after the case was registered.
CASE_HANDLER = EventKind("case.handler", label="指定承办人")
CASE_ASSISTING = EventKind("case.assisting", label="转协办部门")
CASE_PROGRESS = EventKind("case.progress", label="处理进展", marks_stage="处理中", meets=("feedback",))
CASE_SURVEYED = EventKind(
    "case.surveyed", label="现场勘察", day_field="survey_date", marks_stage="已勘察", meets=("feedback", "survey")
)
# A repair the company pays above 1,000 yuan waits for the approval its tier needs before the work order
# (CS-3.6.1); a repair the customer pays is quoted to the customer and closes on the customer's answer.
CASE_APPROVAL_REQUESTED = EventKind("case.approval_requested", label="报请审批维修费用", marks_stage="待审批")
CASE_APPROVED = EventKind("case.approved", label="维修费用审批", day_field="approved_date", meets=("approval",))
CASE_QUOTED = EventKind("case.quoted", label="向客户报价（自费维修）", marks_stage="待客户确认")
CASE_QUOTE_ANSWERED = EventKind("case.quote_answered", label="客户确认报价", day_field="answered_date")
CASE_WORK_ORDERED = EventKind("case.work_ordered", label="派工维修", marks_stage="维修中", meets=("feedback",))
CASE_COMPLETED = EventKind(
    "case.completed", label="维修完工", day_field="completed_date", marks_stage="已完工", meets=("repair",)
)
CASE_CALLED_BACK = EventKind(
    "case.called_back", label="完工回访", day_field="callback_date", marks_stage="已回访", meets=("callback",)
)
CASE_FINAL_ACCOUNT = EventKind("case.final_account", label="维修决算", day_field="prepared_date", marks_stage="待结算")
CASE_SETTLED = EventKind("case.settled", label="维修结算", marks_stage="已结算")
# A complaint other than a repair closes on the register (form version 2) on its 办结日期 (``closed_date``),
# which also answers the department's feedback when none came before (CS-3.4.4); a repair on its settlement.
CASE_CLOSED = EventKind(
    "case.closed", label="办结", day_field="closed_date", marks_stage="已办结", meets=("settle", "feedback")
)
# 财务计统部 has paid the settled repair (CS-3.5.9), returning the money to the revolving fund (CS-3.6).
# A closed case's stage stays 已办结.
CASE_PAID = EventKind("case.paid", label="付款确认", day_field="paid_date")
CASE_VIOLATION = EventKind("case.violation", label="违反程序记录")
CASE_MINUTES = EventKind("case.minutes", label="会议纪要")
# The 专题报告 of a major or difficult complaint (CS-3.10.6): drafted by docgen, completed by 客户服务部 (原因分析,
# 处理意见与建议) and dropped back; filed as PDF/A with the Word original inside.
CASE_SPECIAL_REPORT = EventKind("case.special_report", label="专题报告", day_field="report_date")

# ------------------------------------------------------------------ minutes' decisions (CS-3.10)
# A decision (deadline ``action-<seq>``) is met by the ``minutes.action_done`` naming it, on its ``done_on``;
# a later ``minutes.action_reopened`` makes it open again (``cases.action_done``, ``actions``).
MINUTES_ACTION = EventKind("minutes.action", label="会议决定")
MINUTES_ACTION_DONE = EventKind("minutes.action_done", label="会议决定事项完成", day_field="done_on")
MINUTES_ACTION_REOPENED = EventKind("minutes.action_reopened", label="撤销完成登记")

# ------------------------------------------------------------------ product usage (CS-3.7.3)
# The 《产品使用情况表》 a property company fills for a community a year after its equipment started running,
# recorded on no case; each 异常 line a tracked item for 工程材料部 (deadline ``action-<seq>``, met like a
# decision of minutes by ``minutes.action_done``).
PRODUCT_USAGE = EventKind("product.usage", label="产品使用情况表", day_field="filled_date")
PRODUCT_ISSUE = EventKind("product.issue", label="产品使用问题", day_field="filled_date")

# ------------------------------------------------------------------ communities and satisfaction surveys (CS-3.7.5)
# A community's households as the property company's 《入住情况表》 gives them (delivered, occupied, the room list),
# recorded on no case; the latest per community holds (docgen.projects.community, docgen.steps.occupancy).
COMMUNITY_OCCUPANCY = EventKind("community.occupancy", label="入住情况", day_field="as_of")
# ``docgen survey draft``: the survey number, the households listed and, for an annual survey, the random sample
# with its seed (CS-3.7.5.2), recorded on the survey's number; the returned 《客户满意度调查表》 is
# ``survey.recorded`` on the same number (docgen.steps.survey).
SURVEY_DRAFTED = EventKind("survey.drafted", label="客户满意度调查抽样", day_field="drafted_on")
SURVEY_RECORDED = EventKind("survey.recorded", label="客户满意度调查", day_field="surveyed_on")
# The manager's re-visit of a seriously dissatisfied household (CS-3.7.5.9): a tracked item (deadline
# ``action-<seq>``, met like a decision of minutes by ``minutes.action_done``), on the household's opinion case
# when it has one.
SURVEY_REVISIT = EventKind("survey.revisit", label="严重不满意客户再回访", day_field="meeting_date")

# ------------------------------------------------------------------ nonconformities (《不合格品控制程序》 NC-2 … NC-5)
# A 《纠正措施记录》 (NC-5.1) as each returned copy states it, recorded on no case under its number (BHG-…); the
# latest states the record (docgen.nonconformities). Its corrective action is a tracked item (``nc.action``, deadline
# ``action-<seq>``, met like a decision of minutes by ``minutes.action_done``); 总经室's verification (NC-2.3) is
# ``nc.verified``: 有效 closes the record, 无效 reopens it with a new corrective action and due date.
NC_RECORDED = EventKind("nc.recorded", label="纠正措施记录", day_field="found_on")
NC_ACTION = EventKind("nc.action", label="纠正措施", day_field="meeting_date")
NC_VERIFIED = EventKind("nc.verified", label="纠正措施效果验证", day_field="verified_on")
# 经营销售部's 《客户信息征询表》 (NC-5.2, NC-3.2.4 A), recorded on no case: the answers counted per item and each
# 不满意 customer's 《纠正措施记录》 (docgen.steps.sales_inquiry).
SALES_INQUIRY = EventKind("sales.inquiry", label="客户信息征询表", day_field="filled_on")

# ------------------------------------------------------------------ plan management (《计划管理程序》 PL-2 … PL-5)
# Recorded on no case (docgen.plans derives the year's plan from them). ``plan.targets``: the approved annual targets
# of one year (PL-3.2.3), the latest for a year holding, and ``plan.projects`` its project lines (PL-3.2.4), likewise;
# ``plan.report``: a department's or branch's 《计划执行报告》
# for a quarter or the year (PL-3.3.1), the latest per unit and period holding; ``plan.finance_review``: 财务计统部's
# review of a branch's report (PL-3.3.2); ``plan.warning``: a 《计划预警通知》 issued (PL-3.4.2); ``plan.adjustment``:
# a 《计划调整方案》 as proposed, then as approved or refused (PL-3.4.2), the latest per number holding.
PLAN_TARGETS = EventKind("plan.targets", label="年度计划指标", day_field="approved_on")
PLAN_PROJECTS = EventKind("plan.projects", label="年度项目计划", day_field="approved_on")
PLAN_REPORT = EventKind("plan.report", label="计划执行报告", day_field="submitted_on")
PLAN_FINANCE_REVIEW = EventKind("plan.finance_review", label="计划执行报告财务审核", day_field="reviewed_on")
PLAN_WARNING = EventKind("plan.warning", label="计划预警", day_field="issued_on")
PLAN_ADJUSTMENT = EventKind("plan.adjustment", label="计划调整方案", day_field="proposed_on")
# ``plan.group_report``: 企业发展中心 produced the group quarterly/half-year/annual execution report (PL-3.3.3), tracked
# against its window (PL-3.4.3; docgen.reports.plan_execution).
PLAN_GROUP_REPORT = EventKind("plan.group_report", label="集团计划执行报告", day_field="produced_on")

# ------------------------------------------------------------------ the ledger itself
LEDGER_REANCHORED = EventKind("ledger.reanchored", label="重新锚定台账")

KINDS: dict[str, EventKind] = {
    kind: kind
    for kind in (
        *SUBMISSION_KINDS,
        CASE_REGISTERED,
        CASE_ESCALATED,
        CASE_MEASURE,
        CASE_HANDLER,
        CASE_ASSISTING,
        CASE_PROGRESS,
        CASE_SURVEYED,
        CASE_APPROVAL_REQUESTED,
        CASE_APPROVED,
        CASE_QUOTED,
        CASE_QUOTE_ANSWERED,
        CASE_WORK_ORDERED,
        CASE_COMPLETED,
        CASE_CALLED_BACK,
        CASE_FINAL_ACCOUNT,
        CASE_SETTLED,
        CASE_CLOSED,
        CASE_PAID,
        CASE_VIOLATION,
        CASE_MINUTES,
        CASE_SPECIAL_REPORT,
        MINUTES_ACTION,
        MINUTES_ACTION_DONE,
        MINUTES_ACTION_REOPENED,
        PRODUCT_USAGE,
        PRODUCT_ISSUE,
        COMMUNITY_OCCUPANCY,
        SURVEY_DRAFTED,
        SURVEY_RECORDED,
        SURVEY_REVISIT,
        NC_RECORDED,
        NC_ACTION,
        NC_VERIFIED,
        SALES_INQUIRY,
        PLAN_TARGETS,
        PLAN_PROJECTS,
        PLAN_REPORT,
        PLAN_FINANCE_REVIEW,
        PLAN_WARNING,
        PLAN_ADJUSTMENT,
        PLAN_GROUP_REPORT,
        LEDGER_REANCHORED,
    )
}

# Deadlines met by the first event that meets them, on the day it was recorded (not its day_field).
FIRST_RESPONSE = frozenset({"feedback"})
# Deadlines met on the earliest day_field of the events meeting them: a second 《重大投诉处理措施单》 adding
# measures later does not move the day the first measures were drafted.
EARLIEST_DAY = frozenset({"measures"})
# The stage of a case: the stage of the latest kind, in chain order, that it has (closed wins over settled …).
STAGES: tuple[tuple[EventKind, str], ...] = tuple(
    (kind, kind.marks_stage) for kind in reversed(KINDS.values()) if kind.marks_stage
)


def label(kind: str) -> str:
    """The Chinese name of ``kind`` for the clerk; an unknown kind (a newer docgen's) keeps its stored name."""
    known = KINDS.get(kind)
    return known.label if known is not None else kind


def met_by(key: str) -> tuple[tuple[EventKind, ...], str | None]:
    """The kinds that meet deadline ``key``, and the payload field holding the day (None: the day recorded,
    the first such event counting)."""
    kinds = tuple(kind for kind in KINDS.values() if key in kind.meets)
    if not kinds or key in FIRST_RESPONSE:
        return kinds, None
    return kinds, kinds[-1].day_field


def day_field(kind: str) -> str | None:
    """The payload field holding the day an event of ``kind`` happened (None: the day it was recorded)."""
    known = KINDS.get(kind)
    return known.day_field if known is not None else None
