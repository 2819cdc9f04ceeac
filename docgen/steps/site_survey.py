"""The site survey 《现场勘察会签表》 (CS-3.4.5, CS-3.4.6): its sign-off rules, its handler, and the work
order (and the contractor's notice) that follow it (CS-3.5.1).

Errors are what makes the sheet unusable as a sign-off (a signature the procedure requires is
missing); violations are true facts that break the procedure (the survey came late) and are recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docgen.events import (
    CASE_APPROVAL_REQUESTED,
    CASE_APPROVED,
    CASE_CLOSED,
    CASE_QUOTED,
    CASE_SURVEYED,
    CASE_WORK_ORDERED,
)
from docgen.findings import Finding, error, has_errors, violation, warning
from docgen.forms.base import ParsedForm, Raw
from docgen.forms.repair import APPROVAL, QUOTE, WORK_ORDER
from docgen.forms.site_survey import (
    CONTRACTOR_PARTY,
    CUSTOMER_PARTY,
    OTHER_PARTY,
    SITE_SURVEY,
    SiteSurvey,
)
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
from docgen.wording import PROVISIONAL_MARK, chinese_date, money_in_words, received_at
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
    """CS-3.5.9: class A repair costs are deducted from the contractor's quality deposit, so a survey that
    finds the contractor responsible within its warranty must say which contractor; CS-3.4.6: so must a
    repair handed to the contractor through 工程材料部."""
    if survey.contractor:
        return []
    order_class = repair_rules.responsibility(survey.responsible_party, survey.in_warranty).order_class
    if order_class == "A":
        why, clause = "责任方为施工单位且在保修期内，维修费用将从其工程质量保证金中扣回", "CS-3.5.9"
    elif order_class is not None and survey.repairer == CONTRACTOR:
        why, clause = "维修单位为施工单位，须由工程材料部督促该施工单位维修", "CS-3.4.6"
    else:
        return []
    return [error(f"须填写“施工单位名称”：{why}", clause=clause, field="contractor", **_at(sources.get("contractor")))]


def check_responsible_party(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.4.5 "分析甄别维修工程任务的责任方": another party's repair is not the company's; the survey says
    whose it is. A contractor's defect after its warranty is borne by the company (class B, CS-3.5.1)."""
    if survey.responsible_party == OTHER_PARTY and not (survey.findings or "").strip():
        return [
            error(
                "责任方为“其他”时，须在“勘察意见”中写明责任单位及处理意见（公司不派工维修）",
                clause="CS-3.4.5",
                field="findings",
                **_at(sources.get("findings")),
            )
        ]
    if survey.responsible_party == CONTRACTOR_PARTY and not survey.in_warranty:
        return [
            warning(
                "责任方为施工单位但已过保修期：施工单位不再承担保修责任，按B类（保修期外应由公司承担）派工，"
                "不从其工程质量保证金中扣款",
                clause="CS-3.5.1",
                field="in_warranty",
                **_at(sources.get("in_warranty")),
            )
        ]
    return []


# ------------------------------------------------------------ the step


def signatures(context: Context[SiteSurvey]) -> list[Finding]:
    return check_signatures(context.header, context.sources)


def contractor_named(context: Context[SiteSurvey]) -> list[Finding]:
    return check_contractor_named(context.header, context.sources)


def responsible_party(context: Context[SiteSurvey]) -> list[Finding]:
    return check_responsible_party(context.header, context.sources)


def complex_work(context: Context[SiteSurvey]) -> list[Finding]:
    return check_complex_work(context.header, context.sources)


@once_valid
def survey_on_time(context: Context[SiteSurvey]) -> list[Finding]:
    due = context.facts.get("due")
    if due is None:
        return []
    return check_survey_on_time(context.header, date.fromisoformat(due["due"]), context.ws.calendar, context.sources)


CHECKS: tuple[Check, ...] = (signatures, responsible_party, contractor_named, complex_work, survey_on_time)


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
                f"{survey.case_number} 已结算办结，不再受理该案件的表单；如确需更正，请报客户服务部经理处理",
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
            decision.documents += route_survey(tx, ws, survey, registered, submission, decision.findings)
    except NumbersExhausted as exhausted:
        decision.findings.append(numbers_exhausted(exhausted, ws, "派工单无法编号", location="整个文件"))
        return Decision(findings=decision.findings)
    record_violations(tx, decision.findings, survey.case_number, submission)
    decision.case_ids.append(survey.case_number)
    return decision


# ============================================================ what follows a survey (CS-3.4.5, 3.5.1, 3.6.1)


def route_survey(
    tx: Transaction, ws: Workspace, survey: SiteSurvey, registered: dict, submission: Submission, findings: list
) -> list[Document]:
    """What follows a survey, by the responsible party it found (CS-3.4.5) and its estimate (CS-3.6.1): the
    work order at once; the 《维修费用审批单》 first when the company pays above 1,000 yuan and no approval of
    that amount is on record; a quote to the customer when the customer is responsible; nothing when another
    party is (``findings`` gets the warning that says so)."""
    responsible = repair_rules.responsibility(survey.responsible_party, survey.in_warranty)
    if responsible.order_class is None:
        if responsible.quoted_to_customer:
            return quote_customer(tx, ws, survey, registered, submission)
        findings.append(
            warning(
                "责任方为其他单位（见勘察意见）：公司不派工维修，也不从施工单位保证金扣款；请责任部门协调责任单位处理，"
                "并在《来电、来访登记表》“处理进展”中记录",
                clause="CS-3.4.5",
                field="responsible_party",
            )
        )
        return []
    by_contractor = survey.repairer == CONTRACTOR
    if (
        repair_rules.company_pays(responsible.order_class, by_contractor)
        and repair_rules.approval_needed(survey.estimate)
        and not approved_for(tx, registered["number"], survey.estimate)
    ):
        return request_approval(tx, ws, survey, registered, submission, responsible.order_class)
    return after_survey(tx, ws, survey, registered, submission)


def approved_for(tx: Transaction, number: str, estimate: Decimal) -> bool:
    """An approval on record (CS-3.6.1) for at least this estimate: a corrected survey within it needs no other."""
    return any(Decimal(e.payload["estimate"]) >= estimate for e in tx.events(case_id=number, kind=CASE_APPROVED))


def class_text(order_class: str) -> str:
    return "A类（保修任务）" if order_class == "A" else "B类（保修期外应由公司承担）"


def request_approval(
    tx: Transaction, ws: Workspace, survey: SiteSurvey, registered: dict, submission: Submission, order_class: str
) -> list[Document]:
    """CS-3.6.1: the 《维修费用审批单》 to the approvers of the estimate's tier; the case waits (待审批). The
    approval is due by the repair's own deadline (CS-3.4.5, counted from the survey): after it the repair
    can no longer be on time."""
    number, folder = registered["number"], f"{ws.settings.paths.outbox}/{registered['number']}"
    deadline = repair_rules.repair_deadline(ws.calendar, survey.survey_date, survey.work_kind, survey.agreed_completion)
    assert deadline is not None  # 特别复杂 without an agreed date was refused by complex_work
    approvers = repair_rules.approvers_text(survey.estimate)
    due = {
        "key": "approval",
        "label": "维修费用审批（批准后方可派工维修）",
        "due": deadline.due.isoformat(),
        "clause": "CS-3.6.1",
        "provisional": deadline.provisional,
        "basis": f"须在维修完成期限前批准（{deadline.basis}）",
        "actor": approvers,
    }
    record(
        tx,
        CASE_APPROVAL_REQUESTED,
        {
            "estimate": str(survey.estimate),
            "approvers": [who for _, who in repair_rules.approval_tier(survey.estimate)],
            "order_class": order_class,
            "deadlines": [due],
        },
        number,
        submission,
    )
    header = {
        "case_number": number,
        "customer": registered["customer"],
        "address": location(registered),
        "complaint": registered["content"],
        "survey": chinese_date(survey.survey_date),
        "responsible_party": survey.responsible_party
        + (f"（{survey.contractor}）" if survey.contractor and survey.responsible_party == CONTRACTOR_PARTY else ""),
        "order_class": class_text(order_class),
        "repairer": survey.repairer,
        "estimate": money_in_words(survey.estimate),
        "approvers": f"{approvers}（CS-3.6.1）；请于{due_text(due)}前批准",
    }
    return [
        Document(
            f"{folder}/12-{APPROVAL.title}.xlsx", "form", {"form_id": APPROVAL.form_id, "header": header, "lines": []}
        )
    ]


def quote_customer(
    tx: Transaction, ws: Workspace, survey: SiteSurvey, registered: dict, submission: Submission
) -> list[Document]:
    """The customer is responsible (an alteration of their own …): neither class A nor B (CS-3.5.1), no
    deposit charged; the repair is quoted to the customer, and the case closes on the customer's answer."""
    number, folder = registered["number"], f"{ws.settings.paths.outbox}/{registered['number']}"
    record(
        tx,
        CASE_QUOTED,
        {"amount": str(survey.estimate), "responsible_party": survey.responsible_party},
        number,
        submission,
    )
    header = {
        "case_number": number,
        "customer": registered["customer"],
        "phone": registered["phone"],
        "address": location(registered),
        "complaint": registered["content"],
        "findings": survey.findings or "",
        "responsible_party": CUSTOMER_PARTY,
        "amount": money_in_words(survey.estimate),
    }
    return [
        Document(f"{folder}/13-{QUOTE.title}.xlsx", "form", {"form_id": QUOTE.form_id, "header": header, "lines": []})
    ]


def after_survey(
    tx: Transaction, ws: Workspace, survey: SiteSurvey, registered: dict, submission: Submission
) -> list[Document]:
    """The work order (and, for the contractor, the notice to 工程材料部) that follow a survey, or its approval."""
    responsible = repair_rules.responsibility(survey.responsible_party, survey.in_warranty)
    order_class = responsible.order_class
    assert order_class is not None  # route_survey sends only the company's repairs here
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
            "responsible_party": survey.responsible_party,
            "payer": responsible.payer,
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
                # The contractor by name: 工程材料部 must know whom to press (CS-3.4.6).
                "responsible_party": (
                    f"{survey.responsible_party}（{survey.contractor}）"
                    if survey.contractor
                    else survey.responsible_party
                ),
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


def approval_requested_facts(event: Event) -> str:
    p = event.payload
    due = next((d for d in p.get("deadlines") or [] if d.get("key") == "approval"), None)
    return facts.joined(
        [
            ("预估金额", p.get("estimate") and facts.yuan(p["estimate"])),
            ("须审批", "、".join(p.get("approvers") or [])),
            ("审批期限", due and facts.cn(due.get("due")) + (PROVISIONAL_MARK if due.get("provisional") else "")),
        ]
    )


def quoted_facts(event: Event) -> str:
    p = event.payload
    return facts.joined(
        [("责任方", p.get("responsible_party")), ("报价金额", p.get("amount") and facts.yuan(p["amount"]))]
    )


# The work order (or the approval request, or the quote to the customer) is issued with the survey, so its
# event is this step's too.
FACTS: facts.Facts = {
    CASE_SURVEYED: surveyed_facts,
    CASE_APPROVAL_REQUESTED: approval_requested_facts,
    CASE_QUOTED: quoted_facts,
    CASE_WORK_ORDERED: work_ordered_facts,
}


STEP = FormStep(SITE_SURVEY, CHECKS, handle_site_survey, FACTS, "survey")
