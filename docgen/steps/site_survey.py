"""The site survey 《现场勘察会签表》 (CS-3.4.5, CS-3.4.6): its sign-off rules, its handler, and the work
order (and the contractor's notice) that follow it (CS-3.5.1).

Errors are what makes the sheet unusable as a sign-off (a signature the procedure requires is
missing); violations are true facts that break the procedure (the survey came late) and are recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docgen.events import CASE_CLOSED, CASE_SURVEYED, CASE_WORK_ORDERED
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.repair import WORK_ORDER
from docgen.forms.site_survey import SITE_SURVEY, SiteSurvey
from docgen.ledger import Event, NumberFormat, NumbersExhausted, Transaction
from docgen.payloads import checked
from docgen.procedures import repair_rules
from docgen.procedures.workdays import WorkCalendar
from docgen.steps import facts
from docgen.steps.base import (
    CONTRACTOR,
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    due_text,
    has_event,
    header_of,
    latest_event,
    location,
    money,
    numbers_exhausted,
    once_valid,
    provisional_note,
    record,
    record_violations,
    registration,
    run_checks,
)
from docgen.wording import PROVISIONAL_MARK, chinese_date, received_at
from docgen.workspace import Workspace

# CS-3.4.5 "500元以下工程，施工单位无须到场". 以下 includes the number (Civil Code art. 1259, as
# CLAUSES.md reads every boundary), so a 500-yuan job needs no contractor signature either.
CONTRACTOR_EXEMPT_UP_TO = Decimal("500")

ALWAYS_SIGN = (
    ("sign_service", "客户服务部"),
    ("sign_engineering", "工程材料部或物业公司"),
    ("sign_team_leader", "维修队长"),
)


def _at(raw: Raw | None) -> dict:
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


def contractor_must_sign(estimate: Decimal) -> bool:
    return estimate > CONTRACTOR_EXEMPT_UP_TO


def check_signatures(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.4.5: 客户服务部, 工程材料部 (or 物业公司) and 维修队长 always sign; 施工单位 above 500 yuan."""
    required = list(ALWAYS_SIGN)
    if contractor_must_sign(survey.estimate):
        required.append(("sign_contractor", "施工单位"))
    findings = []
    for key, signatory in required:
        if not getattr(survey, key):
            reason = f"预估金额{survey.estimate}元超过500元，" if key == "sign_contractor" else ""
            findings.append(
                error(
                    f"缺少{signatory}的会签签字；{reason}现场勘察须由{signatory}到场并签字",
                    clause="CS-3.4.5",
                    field=key,
                    **_at(sources.get(key)),
                )
            )
    return findings


def check_complex_work(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.4.5: especially complex work may take longer only with the customer's prior consent."""
    if survey.work_kind != "特别复杂":
        return []
    findings = []
    if survey.customer_consent is not True:
        findings.append(
            error(
                "维修类型为“特别复杂”，须事先取得客户认可：“客户是否认可延长工期”应填“是”",
                clause="CS-3.4.5",
                field="customer_consent",
                **_at(sources.get("customer_consent")),
            )
        )
    if survey.agreed_completion is None:
        findings.append(
            error(
                "维修类型为“特别复杂”，须填写与客户约定的完成日期",
                clause="CS-3.4.5",
                field="agreed_completion",
                **_at(sources.get("agreed_completion")),
            )
        )
    elif survey.agreed_completion < survey.survey_date:
        findings.append(
            error(
                f"约定完成日期{survey.agreed_completion.isoformat()}早于勘察日期",
                clause="CS-3.4.5",
                field="agreed_completion",
                **_at(sources.get("agreed_completion")),
            )
        )
    return findings


def check_survey_on_time(
    survey: SiteSurvey, due: date, calendar: WorkCalendar, sources: dict[str, Raw]
) -> list[Finding]:
    """CS-3.4.5: the survey is made within 1 working day; later is a recorded violation."""
    late = calendar.workdays_late(due, survey.survey_date)
    if late <= 0:
        return []
    return [
        violation(
            f"现场勘察于{survey.survey_date.isoformat()}进行，晚于期限{due.isoformat()}，晚{late}个工作日",
            clause="CS-3.4.5",
            field="survey_date",
            **_at(sources.get("survey_date")),
        )
    ]


def check_contractor_named(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.5.9: warranty repair costs are deducted from the contractor's quality deposit, so a
    warranty survey must say which contractor."""
    if survey.in_warranty and not survey.contractor:
        return [
            error(
                "在保修期内的维修须填写“施工单位名称”（维修费用将从其工程质量保证金中扣回）",
                clause="CS-3.5.9",
                field="contractor",
                **_at(sources.get("contractor")),
            )
        ]
    return []


# ------------------------------------------------------------ the step


def signatures(context: Context[SiteSurvey]) -> list[Finding]:
    return check_signatures(context.header, context.sources)


def contractor_named(context: Context[SiteSurvey]) -> list[Finding]:
    return check_contractor_named(context.header, context.sources)


def complex_work(context: Context[SiteSurvey]) -> list[Finding]:
    return check_complex_work(context.header, context.sources)


@once_valid
def survey_on_time(context: Context[SiteSurvey]) -> list[Finding]:
    due = context.facts.get("due")
    if due is None:
        return []
    return check_survey_on_time(context.header, date.fromisoformat(due["due"]), context.ws.calendar, context.sources)


CHECKS: tuple[Check, ...] = (signatures, contractor_named, complex_work, survey_on_time)


# ------------------------------------------------------------ the handler


def handle_site_survey(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    """Recorded against its case; the sign-off and deadline rules of CS-3.4.5 build on this."""
    survey = header_of(parsed, SiteSurvey)
    decision = Decision()
    if not tx.case_exists(survey.case_number):
        source = parsed.header_sources.get("case_number")
        decision.findings.append(
            error(
                f"登记编号“{survey.case_number}”不存在；请核对编号（应与《来电、来访登记表》的统一编号一致）",
                clause="CS-3.4.3",
                field="case_number",
                **({"location": source.location, "sheet": source.sheet, "cell": source.cell} if source else {}),
            )
        )
        return decision
    sources = parsed.header_sources
    registered = registration(tx, survey.case_number)
    where = (
        {
            "location": sources["case_number"].location,
            "sheet": sources["case_number"].sheet,
            "cell": sources["case_number"].cell,
        }
        if "case_number" in sources
        else {}
    )
    if not registered.get("repair"):
        decision.findings.append(
            error(
                f"{survey.case_number} 是“{registered.get('category')}”类投诉，不是维修工程，"
                "不需要《现场勘察会签表》；请核对登记编号",
                clause="CS-3.4.5",
                field="case_number",
                **where,
            )
        )
        return decision
    if has_event(tx, survey.case_number, CASE_CLOSED):
        decision.findings.append(
            error(
                f"{survey.case_number} 已结算办结；如需更正，请联系客户服务部",
                clause="CS-3.4.5",
                field="case_number",
                **where,
            )
        )
        return decision
    received = received_at(registered).date()
    if not received <= survey.survey_date <= submission.today:
        survey_at = sources.get("survey_date")
        decision.findings.append(
            error(
                f"勘察日期{survey.survey_date.isoformat()}应在受理日期{received.isoformat()}与今天"
                f"（{submission.today.isoformat()}）之间",
                clause="CS-3.4.5",
                field="survey_date",
                **(
                    {"location": survey_at.location, "sheet": survey_at.sheet, "cell": survey_at.cell}
                    if survey_at
                    else {}
                ),
            )
        )
        return decision
    due = next((d for d in registered.get("deadlines", []) if d["key"] == "survey"), None)
    decision.findings += run_checks(CHECKS, Context(tx, ws, parsed, survey, submission.today, {"due": due}))
    if has_errors(decision.findings):
        return decision
    if has_event(tx, survey.case_number, CASE_SURVEYED):
        decision.findings.append(
            warning(
                "该案件已提交过《现场勘察会签表》；本次作为更正记录，原记录保留在历史中",
                clause="CS-3.4.5",
                field="case_number",
            )
        )
    try:
        with tx.savepoint():  # the work order's numbers run out: the survey is not recorded either
            tx.append(
                CASE_SURVEYED,
                checked(CASE_SURVEYED, survey.model_dump(mode="json")),
                case_id=survey.case_number,
                claim=submission.claim,
                sha256=submission.sha256,
            )
            decision.documents += after_survey(tx, ws, survey, registered, submission)
    except NumbersExhausted as exhausted:
        decision.findings.append(numbers_exhausted(exhausted, ws, "派工单无法编号", location="整个文件"))
        return Decision(findings=decision.findings)
    record_violations(tx, decision.findings, survey.case_number, submission)
    decision.case_ids.append(survey.case_number)
    return decision


# ============================================================ survey → work order (CS-3.4.5, 3.4.6, 3.5.1)


def after_survey(
    tx: Transaction, ws: Workspace, survey: SiteSurvey, registered: dict, submission: Submission
) -> list[Document]:
    """The work order (and, for the contractor, the notice to 工程材料部) that follow a survey."""
    order_class = repair_rules.work_order_class(survey.in_warranty)
    numbering = NumberFormat(getattr(ws.settings.numbering, f"work_order_{order_class.lower()}"))
    existing = latest_event(tx, registered["number"], CASE_WORK_ORDERED)
    # A corrected survey keeps its work order number unless the class (保修 or not) changed with it.
    same_class = existing is not None and existing.payload["order_class"] == order_class
    order_number = (
        existing.payload["order_number"]
        if existing is not None and same_class
        else next_order(tx, numbering, survey.survey_date.year)
    )
    deadline = repair_rules.repair_deadline(ws.calendar, survey.survey_date, survey.work_kind, survey.agreed_completion)
    # None only for 特别复杂 without an agreed date, which complex_work refused before the survey was recorded.
    assert deadline is not None
    repair = {
        "key": "repair",
        "label": "完成维修（竣工检查、客户签认）",
        "due": deadline.due.isoformat(),
        "clause": "CS-3.4.5",
        "provisional": deadline.provisional,
        "basis": deadline.basis,
        "actor": survey.repairer,
    }
    record(
        tx,
        CASE_WORK_ORDERED,
        {
            "order_number": order_number,
            "order_class": order_class,
            "work_kind": survey.work_kind,
            "repairer": survey.repairer,
            "contractor": survey.contractor,
            "estimate": str(survey.estimate),
            "deadlines": [repair],
        },
        registered["number"],
        submission,
    )
    number, folder = registered["number"], f"{ws.settings.paths.outbox}/{registered['number']}"
    header = {
        "case_number": number,
        "order_number": order_number,
        "order_class": order_class,
        "customer": registered["customer"],
        "phone": registered["phone"],
        "address": location(registered),
        "complaint": registered["content"],
        "work_kind": survey.work_kind,
        "repairer": survey.repairer,
        "due": f"{due_text(repair)}前（{repair['clause']}）",
    }
    documents = [
        Document(
            f"{folder}/03-{WORK_ORDER.title}-{order_number}.xlsx",
            "form",
            {"form_id": WORK_ORDER.form_id, "header": header, "lines": []},
        )
    ]
    if survey.repairer == CONTRACTOR:
        # CS-3.4.6: work the repair team cannot do goes to the contractor through 工程材料部.
        context = {
            "case": {
                "number": number,
                "customer": registered["customer"],
                "phone": registered["phone"],
                "address": location(registered),
                "complaint": registered["content"],
            },
            "order": {
                "number": order_number,
                "order_class": order_class,
                "work_kind": survey.work_kind,
                "due": due_text(repair),
                "provisional": repair["provisional"],
            },
            "survey": {
                "date": chinese_date(survey.survey_date),
                "responsible_party": survey.responsible_party,
                "estimate": money(survey.estimate),
                "findings": survey.findings or "",
            },
            "issued_on": chinese_date(submission.today),
            "provisional_note": provisional_note([repair]),
        }
        documents.append(
            Document(
                f"{folder}/04-施工单位维修通知单-{order_number}.docx",
                "docx",
                {"template": "contractor_repair_notice.docx", "context": context},
            )
        )
    return documents


def next_order(tx: Transaction, numbering: NumberFormat, year: int) -> str:
    """Work-order numbers, like complaint numbers, come from the ledger's counter (never reused). When
    the year's width is used up this raises ``NumbersExhausted``; ``handle_site_survey`` undoes the
    survey and rejects the file naming the setting to widen."""
    return tx.next_number(numbering, year)


def surveyed_facts(event: Event) -> str:
    p = event.payload
    responsible = p.get("responsible_party")
    if responsible and p.get("contractor"):
        responsible = f"{responsible}（{p['contractor']}）"
    signed = ("sign_service", "sign_engineering", "sign_team_leader", "sign_contractor")
    return facts.joined(
        [
            ("勘察日期", facts.cn(p.get("survey_date"))),
            ("责任方", responsible),
            ("维修类型", p.get("work_kind")),
            ("保修期内", facts.yes_no(p.get("in_warranty"))),
            ("维修单位", p.get("repairer")),
            ("预估金额", p.get("estimate") and facts.yuan(p["estimate"])),
            ("约定完成日期", facts.cn(p.get("agreed_completion"))),
            ("勘察意见", p.get("findings")),
            ("会签", facts.signatures(p, SITE_SURVEY, signed)),
        ]
    )


def work_ordered_facts(event: Event) -> str:
    p = event.payload
    due = next((d for d in p.get("deadlines") or [] if d.get("key") == "repair"), None)
    return facts.joined(
        [
            ("派工单号", p.get("order_number")),
            ("类别", p.get("order_class") and f"{p['order_class']}类"),
            ("维修单位", p.get("repairer")),
            ("维修类型", p.get("work_kind")),
            ("完成期限", due and facts.cn(due.get("due")) + (PROVISIONAL_MARK if due.get("provisional") else "")),
        ]
    )


# The work order is issued with the survey, so its event is this step's too.
FACTS: facts.Facts = {CASE_SURVEYED: surveyed_facts, CASE_WORK_ORDERED: work_ordered_facts}


STEP = FormStep(SITE_SURVEY, CHECKS, handle_site_survey, FACTS, "survey")
