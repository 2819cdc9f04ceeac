"""Rules of a repair after the site survey: work order, deadline, completion check, callback, final
account (《维修工程决算书》), settlement (《维修工程结算书》), approval, quality deposit and revolving
funds (CS-3.4.5, CS-3.5.1 … CS-3.5.9, CS-3.6, CS-3.6.1).

Errors are what a clerk must correct before the form can be trusted (a missing signature, a wrong sum);
violations are true facts that break the procedure (the work was finished late) and are recorded;
warnings call attention to a balance running low. Messages are Simplified Chinese and state the
expected value. Nothing here raises for something a clerk can fix; ``ValueError`` is kept for
programming or configuration mistakes (an unknown work kind, an unknown audit department).

Boundaries, read as CLAUSES.md reads every one (以下/以内 include the number, 超过 excludes it):

* CS-3.6.1 ≤ 1,000 客户服务部经理; 1,000 < x ≤ 10,000 副总工程师审核 + 副总经理批准; > 10,000 总经理.
* CS-3.5.6 < 20,000 客户服务部; > 20,000 审计核算部; exactly 20,000 is claimed by both texts and goes
  to a configurable department (default 审计核算部).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from docgen.findings import Finding, error, violation, warning
from docgen.forms.amounts import from_uppercase, to_uppercase
from docgen.forms.base import Raw
from docgen.forms.site_survey import COMPANY_PARTY, CONTRACTOR_PARTY, CUSTOMER_PARTY
from docgen.procedures.workdays import Deadline, WorkCalendar
from docgen.wording import money

CENT = Decimal("0.01")

# CS-3.4.5: working days from the survey date to finish the repair.
REPAIR_WORKDAYS = {"单工种": 3, "多工种": 7}
COMPLEX = "特别复杂"

# CS-3.5.4: the callback is made within one working day after completion.
CALLBACK_WORKDAYS = 1

# CS-3.5.6
AUDIT_THRESHOLD = Decimal("20000")
SERVICE_DEPARTMENT = "客户服务部"
AUDIT_DEPARTMENT = "审计核算部"

# CS-3.6.1
MANAGER_UP_TO = Decimal("1000")
DEPUTY_UP_TO = Decimal("10000")

# CS-3.5.3: completion check and the customer's sign-off.
COMPLETION_SIGNOFFS = (
    ("check_service", "客户服务人员或物业人员", "竣工检查"),
    ("check_team_leader", "维修队长", "竣工检查"),
    ("customer_signature", "客户签认", "客户"),
)


def _at(raw: Raw | None) -> dict:
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _yuan(amount: Decimal) -> str:
    """``Decimal("1250")`` → 1,250.00 元（壹仟贰佰伍拾元整）; the 大写 is left out if it cannot be written."""
    figure = money(amount, " 元")
    try:
        return f"{figure}（{to_uppercase(amount.quantize(CENT, ROUND_HALF_UP))}）"
    except ValueError:
        return figure


def _money(amount: Decimal) -> str:
    return money(amount, "元")


# ---------------------------------------------------------------- work order and deadline


@dataclass(frozen=True)
class Responsibility:
    """What the responsible party found by the survey decides (CS-3.4.5 "分析甄别维修工程任务的责任方"):
    the class of the work order (None: the company issues none), who pays, and whether the contractor's
    quality deposit is charged (CS-3.5.9: class A only, and only when the repair team did the work)."""

    party: str
    order_class: str | None
    payer: str

    @property
    def quoted_to_customer(self) -> bool:
        return self.payer == CUSTOMER_PARTY


def responsibility(responsible_party: str, in_warranty: bool) -> Responsibility:
    """CS-3.5.1: class A is a warranty task (保修任务), the contractor's defect within its warranty; class B
    is "保修期外应由公司承担的维修任务", and a defect the company answers for (a design fault) is borne by the
    company whatever the warranty; the contractor's defect after its warranty has ended is the company's
    too. The customer's own doing (an alteration) is neither A nor B: the customer pays. Another party
    (the property company, a utility) is not the company's repair at all."""
    if responsible_party == CONTRACTOR_PARTY:
        return (
            Responsibility(responsible_party, "A", CONTRACTOR_PARTY)
            if in_warranty
            else (Responsibility(responsible_party, "B", COMPANY_PARTY))
        )
    if responsible_party == COMPANY_PARTY:
        return Responsibility(responsible_party, "B", COMPANY_PARTY)
    return Responsibility(responsible_party, None, responsible_party)


def work_order_class(in_warranty: bool, responsible_party: str = CONTRACTOR_PARTY) -> str | None:
    """CS-3.5.1: 《工程派工单》 class A is a warranty repair (保修); class B is outside the warranty but
    borne by the company (保修期外应由公司承担); None when the company issues no work order (see
    ``responsibility``)."""
    return responsibility(responsible_party, in_warranty).order_class


def company_pays(order_class: str | None, by_contractor: bool) -> bool:
    """Whether the company spends money on the repair (so CS-3.6.1's approval applies): class B always; class
    A when its repair team does the work (the cost is deducted from the contractor's deposit afterwards,
    CS-3.5.9); not a class A repair the contractor makes itself under its warranty (CS-3.4.6)."""
    if order_class == "B":
        return True
    return order_class == "A" and not by_contractor


def settlement_needed(order_class: str | None, by_contractor: bool) -> bool:
    """A repair is settled (决算书, 结算书, CS-3.5.5 … 3.5.9) when the company pays for it."""
    return company_pays(order_class, by_contractor)


def repair_deadline(
    calendar: WorkCalendar, survey_date: date, work_kind: str, agreed_completion: date | None
) -> Deadline | None:
    """CS-3.4.5: 单工种 within 3 working days, 多工种 within 7, counted from the survey date;
    特别复杂 by the date agreed with the customer. A survey on a rest day counts from the next working
    day (day 0), as a register received on a rest day does (``WorkCalendar.due_within_workdays_of_day``).

    Returns ``None`` for 特别复杂 without an agreed date: there is no deadline to compute, and the
    missing date is reported by ``docgen.steps.site_survey.check_complex_work``.
    """
    if work_kind == COMPLEX:
        if agreed_completion is None:
            return None
        return Deadline(agreed_completion, False, "与客户约定的完成日期")
    if work_kind not in REPAIR_WORKDAYS:
        raise ValueError(f"unknown work kind {work_kind!r}; expected one of 单工种, 多工种, 特别复杂")
    return calendar.due_within_workdays_of_day(survey_date, REPAIR_WORKDAYS[work_kind], "勘察")


def check_completion(
    completed: date, due: date, extension_consent: bool | None, calendar: WorkCalendar, sources: dict[str, Raw]
) -> list[Finding]:
    """CS-3.4.5: a repair finished after its deadline is a recorded violation, counted in working days
    (as ``steps.site_survey.check_survey_on_time``: finishing on a rest day right after the deadline is 0
    working days late and not a violation). A late repair without the customer's consent to the
    extension is a second violation: the procedure allows more time only with the customer's prior consent.
    """
    late = calendar.workdays_late(due, completed)
    if late <= 0:
        return []
    findings = [
        violation(
            f"维修于{completed.isoformat()}完工，晚于完成期限{due.isoformat()}，晚{late}个工作日",
            clause="CS-3.4.5",
            field="completed_date",
            **_at(sources.get("completed_date")),
        )
    ]
    if extension_consent is not True:
        findings.append(
            violation(
                "延长工期未取得客户认可：维修超过完成期限，须事先取得客户对延长工期的认可",
                clause="CS-3.4.5",
                field="extension_consent",
                **_at(sources.get("extension_consent")),
            )
        )
    return findings


def check_completion_signoffs(
    check_service: str | None, check_team_leader: str | None, customer_signature: str | None, sources: dict[str, Raw]
) -> list[Finding]:
    """CS-3.5.3: the completion check is made by 客户服务人员 (or 物业人员) and 维修队长; the customer signs."""
    values = {
        "check_service": check_service,
        "check_team_leader": check_team_leader,
        "customer_signature": customer_signature,
    }
    findings = []
    for key, who, _what in COMPLETION_SIGNOFFS:
        if _blank(values[key]):
            expected = "完工后须由客户签字确认" if key == "customer_signature" else f"竣工检查须由{who}到场检查并签字"
            findings.append(
                error(f"缺少{who}的签字；{expected}", clause="CS-3.5.3", field=key, **_at(sources.get(key)))
            )
    return findings


# ---------------------------------------------------------------- callback


def callback_due(calendar: WorkCalendar, completed: date) -> Deadline:
    """CS-3.5.4: the customer is called back within 1 working day after completion; a completion on a rest day
    counts from the next working day, as the repair deadline counts from its survey."""
    return calendar.due_within_workdays_of_day(completed, CALLBACK_WORKDAYS, "完工")


def check_callback(
    callback_date: date | None,
    due: date,
    calendar: WorkCalendar,
    sources: dict[str, Raw],
    completed: date | None = None,
) -> list[Finding]:
    """CS-3.5.4: a callback after its deadline is a recorded violation; a callback dated before the
    completion (when ``completed`` is given) cannot be right and is an error. No callback date yet:
    nothing to check here (the open deadline is tracked on the case)."""
    if callback_date is None:
        return []
    where = {"field": "callback_date", **_at(sources.get("callback_date"))}
    if completed is not None and callback_date < completed:
        return [
            error(
                f"回访日期{callback_date.isoformat()}早于完工日期{completed.isoformat()}；"
                "回访应在完工之后进行，请核对日期",
                clause="CS-3.5.4",
                **where,
            )
        ]
    late = calendar.workdays_late(due, callback_date)
    if late <= 0:
        return []
    return [
        violation(
            f"电话回访于{callback_date.isoformat()}进行，晚于期限{due.isoformat()}，晚{late}个工作日；"
            "应在完工后1个工作日内回访",
            clause="CS-3.5.4",
            **where,
        )
    ]


# ---------------------------------------------------------------- final account (决算书)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price, rounded half up to the fen (分)."""
    return (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)


def check_final_account(
    lines: list[dict],
    total: Decimal | None,
    total_uppercase: str | None,
    sources_lines: list[dict[str, Raw]],
    sources: dict[str, Raw],
) -> list[Finding]:
    """CS-3.5.5: the arithmetic of 《维修工程决算书》.

    * each line: amount = quantity × unit price, rounded half up to 0.01 (error on the line's amount);
    * 合计 = the sum of the line amounts as they should be (a wrong line therefore also makes a total
      that matched it wrong, and the message gives the figure to write once the line is corrected);
    * 合计（大写） reads as the same figure (error naming the correct 大写).
    """
    findings: list[Finding] = []
    expected_total = Decimal("0.00")
    for i, line in enumerate(lines):
        raw = sources_lines[i] if i < len(sources_lines) else {}
        label = f"第{i + 1}项" + (f"“{line.get('item')}”" if not _blank(line.get("item")) else "")
        quantity, unit_price, amount = line.get("quantity"), line.get("unit_price"), line.get("amount")
        where = {"clause": "CS-3.5.5", "field": "lines.amount", **_at(raw.get("amount"))}
        if quantity is None or unit_price is None:
            # The missing quantity or price is the reader's finding; the written amount is all there is.
            expected_total += amount if amount is not None else Decimal("0")
            continue
        expected = line_amount(quantity, unit_price)
        expected_total += expected
        if amount is None:
            findings.append(error(f"{label}未填写金额；应为 {quantity} × {unit_price} = {_yuan(expected)}", **where))
        elif amount != expected:
            findings.append(
                error(
                    f"{label}金额 {_money(amount)} 与数量×单价不符；应为 {quantity} × {unit_price} = {_yuan(expected)}",
                    **where,
                )
            )

    where = {"clause": "CS-3.5.5", "field": "total", **_at(sources.get("total"))}
    if total is None:
        findings.append(error(f"未填写合计金额；合计应为 {_yuan(expected_total)}", **where))
    elif total != expected_total:
        findings.append(
            error(
                f"合计 {_money(total)} 与各项金额（按数量×单价核算）之和不符；合计应为 {_yuan(expected_total)}", **where
            )
        )

    where = {"clause": "CS-3.5.5", "field": "total_uppercase", **_at(sources.get("total_uppercase"))}
    if total_uppercase is None or _blank(total_uppercase):
        findings.append(error(f"未填写合计金额（大写）；合计应为 {_yuan(expected_total)}", **where))
        return findings
    try:
        written = from_uppercase(total_uppercase)
    except ValueError as exc:
        findings.append(error(f"合计金额（大写）无法识别：{exc}；合计应为 {_yuan(expected_total)}", **where))
        return findings
    if written != expected_total:
        findings.append(
            error(
                f"合计金额（大写）“{total_uppercase.strip()}”为 {_money(written)}，与合计不符；"
                f"合计应为 {_yuan(expected_total)}",
                **where,
            )
        )
    return findings


# ---------------------------------------------------------------- audit, settlement and approval


def audit_route(amount: Decimal, exactly_20000_to: str = AUDIT_DEPARTMENT) -> str:
    """CS-3.5.6: repair costs under 20,000 yuan are audited by 客户服务部, above by 审计核算部; exactly
    20,000 ("2万元以下" and "2万元以上" both claim it) goes to ``exactly_20000_to`` (a setting)."""
    if exactly_20000_to not in (SERVICE_DEPARTMENT, AUDIT_DEPARTMENT):
        raise ValueError(
            f"exactly_20000_to must be {SERVICE_DEPARTMENT} or {AUDIT_DEPARTMENT}, got {exactly_20000_to!r}"
        )
    if amount < AUDIT_THRESHOLD:
        return SERVICE_DEPARTMENT
    if amount > AUDIT_THRESHOLD:
        return AUDIT_DEPARTMENT
    return exactly_20000_to


def approval_tier(amount: Decimal) -> list[tuple[str, str]]:
    """CS-3.6.1: one repair ≤ 1,000 yuan is approved by 客户服务部经理; above 1,000 up to 10,000 it is
    reviewed by the deputy chief engineer for quality and approved by the deputy GM; above 10,000
    the general manager approves. Returns (field key, who) in signing order."""
    if amount <= MANAGER_UP_TO:
        return [("approve_manager", "客户服务部经理")]
    if amount <= DEPUTY_UP_TO:
        return [("review_deputy_chief_engineer", "负责质量的副总工程师审核"), ("approve_deputy_gm", "副总经理批准")]
    return [("approve_gm", "总经理审批")]


def approval_needed(estimate: Decimal) -> bool:
    """CS-3.6.1 "1000元到1万元内由公司分管工程质量的副总工程师审核，由副总经理批准，即可进行维修；超过1万元的
    工程维修费用应报总经理审批": above 1,000 yuan the repair waits for its approval. Up to 1,000 the
    客户服务部经理 approves, and 客户服务部 issues the work order itself."""
    return estimate > MANAGER_UP_TO


def approvers_text(estimate: Decimal) -> str:
    """Who must approve an estimate, as the clerk reads it: 负责质量的副总工程师审核、副总经理批准."""
    return "、".join(who for _, who in approval_tier(estimate))


def check_approval(estimate: Decimal, values: dict[str, str | None], sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.6.1: 《维修费用审批单》 carries the signatures of the tier of the survey's estimate."""
    return [
        error(
            f"缺少{who}签字；预估金额{_money(estimate)}，须经{approvers_text(estimate)}后方可派工维修",
            clause="CS-3.6.1",
            field=key,
            **_at(sources.get(key)),
        )
        for key, who in approval_tier(estimate)
        if _blank(values.get(key))
    ]


def required_settlement_signoffs(order_class: str, amount: Decimal) -> list[tuple[str, str, str]]:
    """(field key, who, clause) of every sign-off on 《维修工程结算书》: the auditor (CS-3.5.6); for
    class A the contractor's confirmation (CS-3.5.7); the deputy chief engineer for quality
    (CS-3.5.8); then the approval tier of the amount (CS-3.6.1)."""
    if order_class not in ("A", "B"):
        raise ValueError(f"order class must be 'A' or 'B', got {order_class!r}")
    required = [("auditor", "审核人", "CS-3.5.6")]
    if order_class == "A":
        required.append(("contractor_confirm", "施工单位确认", "CS-3.5.7"))
    required.append(("deputy_chief_engineer_confirm", "负责质量的副总工程师认定", "CS-3.5.8"))
    required += [(key, who, "CS-3.6.1") for key, who in approval_tier(amount)]
    return required


def check_settlement(
    order_class: str,
    audited: Decimal,
    final_account_total: Decimal,
    over_reason: str | None,
    values: dict[str, str | None],
    sources: dict[str, Raw],
    exactly_20000_to: str = AUDIT_DEPARTMENT,
) -> list[Finding]:
    """CS-3.5.6 … CS-3.5.8, CS-3.6.1: 《维修工程结算书》 carries every required sign-off, and an audited
    amount above the final account needs a written reason.

    Who audits follows the final-account total (the cost submitted for audit); the approval tier
    follows the audited amount (what is paid).
    """
    if order_class not in ("A", "B"):
        return [
            error(
                f"派工单类别“{order_class}”无效；应为 A（保修）或 B（保修期外由公司承担）",
                clause="CS-3.5.1",
                field="order_class",
                **_at(sources.get("order_class")),
            )
        ]
    findings = []
    for key, who, clause in required_settlement_signoffs(order_class, audited):
        if not _blank(values.get(key)):
            continue
        if key == "auditor":
            dept = audit_route(final_account_total, exactly_20000_to)
            why = f"决算金额{_money(final_account_total)}，应由{dept}审核"
        elif key == "contractor_confirm":
            why = "A类结算须经审计核算部通知施工单位确认"
        elif key == "deputy_chief_engineer_confirm":
            why = f"{order_class}类结算须由负责质量的副总工程师认定后方可传递财务计统部"
        else:
            why = f"审定金额{_money(audited)}，须经{'、'.join(w for _, w in approval_tier(audited))}"
        findings.append(error(f"缺少{who}签字；{why}", clause=clause, field=key, **_at(sources.get(key))))
    if audited > final_account_total and _blank(over_reason):
        findings.append(
            error(
                f"审定金额{_money(audited)}高于决算金额{_money(final_account_total)}，须在“超出原因”中说明理由",
                clause="CS-3.5.6",
                field="audited_amount",
                **_at(sources.get("audited_amount")),
            )
        )
    return findings


# ---------------------------------------------------------------- deposit and revolving funds


def _percent(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def deposit_warning(
    contractor: str,
    deposit: Decimal,
    deducted_before: Decimal,
    this_deduction: Decimal,
    threshold: Decimal = Decimal("0.8"),
) -> list[Finding]:
    """CS-3.5.9: class A repair costs are deducted from the contractor's quality deposit. A warning once
    the deductions reach ``threshold`` (80 %) of the recorded deposit; a stronger warning (still a
    warning: the deduction is a fact) once they exceed the deposit."""
    deducted = deducted_before + this_deduction
    if deposit <= 0:
        if deducted <= 0:
            return []
        return [
            warning(
                f"{contractor}未登记工程质量保证金（或登记为0），但已扣除{_money(deducted)}；请核对保证金台账",
                clause="CS-3.5.9",
            )
        ]
    if deducted > deposit:
        return [
            warning(
                f"【超额】{contractor}的工程质量保证金已不足扣：累计扣除{_money(deducted)}"
                f"（含本次{_money(this_deduction)}），超出保证金{_money(deposit)}共{_money(deducted - deposit)}；"
                "超出部分须另行向施工单位追偿",
                clause="CS-3.5.9",
            )
        ]
    if deducted >= deposit * threshold:
        return [
            warning(
                f"{contractor}的工程质量保证金累计已扣除{_money(deducted)}（含本次{_money(this_deduction)}），"
                f"达保证金{_money(deposit)}的{_percent(deducted, deposit)}"
                f"（提醒线{_percent(threshold, Decimal(1))}），余额{_money(deposit - deducted)}",
                clause="CS-3.5.9",
            )
        ]
    return []


def fund_warning(
    name: str, fund: Decimal, used: Decimal, pending: Decimal, threshold: Decimal = Decimal("0.2")
) -> list[Finding]:
    """CS-3.6: the revolving funds (客户服务部 100,000 yuan, 维修队 100,000 yuan). A warning when the
    balance left after used and pending payments (fund − used − pending) falls below ``threshold``
    (20 %) of the fund, a stronger one when it falls below zero."""
    remaining = fund - used - pending
    detail = f"（周转金{_money(fund)}，已用{_money(used)}，待付{_money(pending)}）"
    if remaining < 0:
        return [
            warning(
                f"【超支】{name}周转金不足：扣除已用和待付款项后为{_money(remaining)}{detail}；须先补拨周转金再支付",
                clause="CS-3.6",
            )
        ]
    if fund > 0 and remaining < fund * threshold:
        return [
            warning(
                f"{name}周转金余额{_money(remaining)}{detail}，低于周转金的"
                f"{_percent(threshold, Decimal(1))}；请及时申请补拨",
                clause="CS-3.6",
            )
        ]
    return []
