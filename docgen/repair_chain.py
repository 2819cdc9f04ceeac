"""The repair chain (CS-3.4.5 … CS-3.6): survey → work order → completion and callback → final account
→ settlement → payment and deposit deduction. One handler per returned form; each checks that the
step comes in order, records its facts, and emits the next form or notice.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from docgen.chain import Decision, Document, Submission, _has_event, _location, due_text, provisional_note
from docgen.findings import Finding, error, has_errors, warning
from docgen.forms.amounts import to_uppercase
from docgen.forms.base import ParsedForm
from docgen.forms.repair import CALLBACK, FINAL_ACCOUNT, SETTLEMENT, WORK_ORDER
from docgen.forms.values import chinese_date
from docgen.ledger import Event, NumberFormat, Transaction
from docgen.procedures import repair_rules
from docgen.workspace import Workspace

CONTRACTOR = "施工单位（经工程材料部）"


def money(amount: Decimal | str) -> str:
    return f"{Decimal(amount):,.2f}"


def _latest(tx: Transaction, number: str, kind: str) -> Event | None:
    row = tx.connection.execute("SELECT * FROM events WHERE case_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1",
                                (number, kind)).fetchone()
    return Event.from_row(row) if row else None


def latest_per_case(events) -> dict[str, dict]:
    """The payload of each case's latest event: a corrected step replaces, it never adds up twice."""
    latest: dict[str, dict] = {}
    for case_id, payload in events:
        latest[case_id] = payload
    return latest


def _settled(tx: Transaction, excluding: str) -> dict[str, dict]:
    rows = tx.connection.execute("SELECT case_id, payload FROM events WHERE kind = 'case.settled' ORDER BY seq")
    settled = latest_per_case((row["case_id"], json.loads(row["payload"])) for row in rows)
    settled.pop(excluding, None)
    return settled


def _at(parsed: ParsedForm, key: str) -> dict:
    raw = parsed.header_sources.get(key)
    return {"location": raw.location, "sheet": raw.sheet, "cell": raw.cell} if raw else {}


def _out_of_order(parsed: ParsedForm, message: str) -> Decision:
    return Decision(findings=[error(message, clause="CS-3.5.1", field="case_number", **_at(parsed, "case_number"))])


def _record(tx: Transaction, kind: str, payload: dict, number: str, submission: Submission) -> Event:
    return tx.append(kind, payload, case_id=number, claim=submission.claim, sha256=submission.sha256)


def record_violations(tx: Transaction, findings: list[Finding], number: str, submission: Submission) -> None:
    """Each breach once on the case, however often the form that shows it is sent again."""
    known = {(json.loads(row["payload"])["clause"], json.loads(row["payload"])["message"]) for row in tx.connection.execute(
        "SELECT payload FROM events WHERE case_id = ? AND kind = 'case.violation'", (number,))}
    for finding in findings:
        if finding.severity == "violation" and (finding.clause, finding.message) not in known:
            _record(tx, "case.violation", {"clause": finding.clause, "message": finding.message,
                                           "field": finding.field}, number, submission)


def _correction_note(tx: Transaction, number: str, kind: str, title: str) -> list[Finding]:
    """The same step sent twice: the new one is recorded as a correction, the old one kept."""
    if _has_event(tx, number, kind):
        return [warning(f"该案件已提交过《{title}》；本次作为更正记录，原记录保留在历史中", clause="CS-3.5.1",
                        field="case_number")]
    return []


# ============================================================ survey → work order (CS-3.4.5, 3.4.6, 3.5.1)

def after_survey(tx: Transaction, ws: Workspace, survey, registered: dict, submission: Submission) -> list[Document]:
    """The work order (and, for the contractor, the notice to 工程材料部) that follow a survey."""
    order_class = repair_rules.work_order_class(survey.in_warranty)
    numbering = NumberFormat(getattr(ws.settings.numbering, f"work_order_{order_class.lower()}"))
    existing = _latest(tx, registered["number"], "case.work_ordered")
    # A corrected survey keeps its work order number unless the class (保修 or not) changed with it.
    same_class = existing is not None and existing.payload["order_class"] == order_class
    order_number = existing.payload["order_number"] if same_class else _next_order(tx, numbering, survey.survey_date.year)
    deadline = repair_rules.repair_deadline(ws.calendar, survey.survey_date, survey.work_kind, survey.agreed_completion)
    repair = {"key": "repair", "label": "完成维修（竣工检查、客户签认）", "due": deadline.due.isoformat(),
              "clause": "CS-3.4.5", "provisional": deadline.provisional, "basis": deadline.basis,
              "actor": survey.repairer}
    _record(tx, "case.work_ordered", {"order_number": order_number, "order_class": order_class,
                                      "work_kind": survey.work_kind, "repairer": survey.repairer,
                                      "contractor": survey.contractor, "estimate": str(survey.estimate),
                                      "deadlines": [repair]}, registered["number"], submission)
    number, folder = registered["number"], f"{ws.settings.paths.outbox}/{registered['number']}"
    header = {"case_number": number, "order_number": order_number, "order_class": order_class,
              "customer": registered["customer"], "phone": registered["phone"], "address": _location(registered),
              "complaint": registered["content"], "work_kind": survey.work_kind, "repairer": survey.repairer,
              "due": f"{due_text(repair)}前（{repair['clause']}）"}
    documents = [Document(f"{folder}/03-{WORK_ORDER.title}-{order_number}.xlsx", "form",
                          {"form_id": WORK_ORDER.form_id, "header": header, "lines": []})]
    if survey.repairer == CONTRACTOR:
        # CS-3.4.6: work the repair team cannot do goes to the contractor through 工程材料部.
        context = {"case": {"number": number, "customer": registered["customer"], "phone": registered["phone"],
                            "address": _location(registered), "complaint": registered["content"]},
                   "order": {"number": order_number, "order_class": order_class, "work_kind": survey.work_kind,
                             "due": due_text(repair), "provisional": repair["provisional"]},
                   "survey": {"date": chinese_date(survey.survey_date), "responsible_party": survey.responsible_party,
                              "estimate": money(survey.estimate), "findings": survey.findings or ""},
                   "issued_on": chinese_date(submission.today), "provisional_note": provisional_note([repair])}
        documents.append(Document(f"{folder}/04-施工单位维修通知单-{order_number}.docx", "docx",
                                  {"template": "contractor_repair_notice.docx", "context": context}))
    return documents


def _next_order(tx: Transaction, numbering: NumberFormat, year: int) -> str:
    """Work-order numbers, like complaint numbers, come from the ledger's counter (never reused). When
    the year's width is used up this raises ``NumbersExhausted``; ``handle_site_survey`` undoes the
    survey and rejects the file naming the setting to widen."""
    return tx.next_number(numbering, year)


def _steps_before(tx: Transaction, parsed: ParsedForm, number: str, order_number: str,
                  needs: tuple[str, str] | None = None) -> tuple[Event | None, Event | None, Decision | None]:
    """The case's work order and, where the step needs one, the event it follows; or the refusal
    (unknown case, no work order yet, wrong 派工单编号, a step out of order)."""
    if not tx.case_exists(number):
        return None, None, Decision(findings=[error(f"登记编号“{number}”不存在；请核对编号", clause="CS-3.4.3",
                                                    field="case_number", **_at(parsed, "case_number"))])
    if _has_event(tx, number, "case.closed"):
        return None, None, _out_of_order(parsed, f"{number} 已结算办结；如需更正，请联系客户服务部")
    order = _latest(tx, number, "case.work_ordered")
    if order is None:
        return None, None, _out_of_order(parsed, f"{number} 尚未提交《现场勘察会签表》，没有派工单；请先完成现场勘察")
    if order.payload["order_number"] != order_number:
        return None, None, Decision(findings=[error(
            f"派工单编号“{order_number}”与案件 {number} 的派工单 {order.payload['order_number']} 不符",
            clause="CS-3.5.1", field="order_number", **_at(parsed, "order_number"))])
    if needs is None:
        return order, None, None
    kind, missing = needs
    before = _latest(tx, number, kind)
    if before is None:
        return None, None, _out_of_order(parsed, f"{number} {missing}")
    return order, before, None


# ============================================================ work order completed (CS-3.5.2, 3.5.3)

def handle_work_order(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    done = parsed.header
    order, _, refused = _steps_before(tx, parsed, done.case_number, done.order_number)
    if refused:
        return refused
    sources = parsed.header_sources
    findings = repair_rules.check_completion_signoffs(done.check_service, done.check_team_leader,
                                                      done.customer_signature, sources)
    if has_errors(findings):
        return Decision(findings=findings)
    surveyed_on = date.fromisoformat(_latest(tx, done.case_number, "case.surveyed").payload["survey_date"])
    if not surveyed_on <= done.completed_date <= submission.today:
        return Decision(findings=[error(
            f"完工日期{done.completed_date.isoformat()}应在勘察日期{surveyed_on.isoformat()}与今天"
            f"（{submission.today.isoformat()}）之间", clause="CS-3.5.2", field="completed_date",
            **_at(parsed, "completed_date"))])
    due = date.fromisoformat(order.payload["deadlines"][0]["due"])
    findings += repair_rules.check_completion(done.completed_date, due, done.extension_consent, ws.calendar, sources)
    findings += _correction_note(tx, done.case_number, "case.completed", WORK_ORDER.title)
    callback = repair_rules.callback_due(ws.calendar, done.completed_date)
    deadline = {"key": "callback", "label": "电话回访客户", "due": callback.due.isoformat(), "clause": "CS-3.5.4",
                "provisional": callback.provisional, "basis": callback.basis, "actor": "客户服务部（处）资料员"}
    _record(tx, "case.completed", {**done.model_dump(mode="json"), "deadlines": [deadline]}, done.case_number, submission)
    record_violations(tx, findings, done.case_number, submission)
    registered = tx.registration(done.case_number).payload
    folder = f"{ws.settings.paths.outbox}/{done.case_number}"
    callback_form = {"case_number": done.case_number, "order_number": done.order_number,
                     "customer": registered["customer"], "phone": registered["phone"],
                     "completed": chinese_date(done.completed_date),
                     "callback_due": f"{due_text(deadline)}前（CS-3.5.4）"}
    account = {"case_number": done.case_number, "order_number": done.order_number,
               "order_class": order.payload["order_class"], "address": _location(registered)}
    documents = [Document(f"{folder}/05-{CALLBACK.title}.xlsx", "form",
                          {"form_id": CALLBACK.form_id, "header": callback_form, "lines": []}),
                 Document(f"{folder}/06-{FINAL_ACCOUNT.title}.xlsx", "form",
                          {"form_id": FINAL_ACCOUNT.form_id, "header": account, "lines": []})]
    return Decision(findings, [done.case_number], documents)


# ============================================================ callback (CS-3.5.4)

def handle_callback(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    call = parsed.header
    _, completed, refused = _steps_before(tx, parsed, call.case_number, call.order_number,
                                          ("case.completed", "尚未完工（《工程派工单》未交回），不能先交回访记录"))
    if refused:
        return refused
    due = date.fromisoformat(completed.payload["deadlines"][0]["due"])
    findings = repair_rules.check_callback(call.callback_date, due, ws.calendar, parsed.header_sources,
                                           completed=date.fromisoformat(completed.payload["completed_date"]))
    if call.callback_date > submission.today:
        findings.append(error(f"回访日期{call.callback_date.isoformat()}晚于今天", clause="CS-3.5.4",
                              field="callback_date", **_at(parsed, "callback_date")))
    if has_errors(findings):
        return Decision(findings=findings)
    findings += _correction_note(tx, call.case_number, "case.called_back", CALLBACK.title)
    _record(tx, "case.called_back", call.model_dump(mode="json"), call.case_number, submission)
    record_violations(tx, findings, call.case_number, submission)
    return Decision(findings, [call.case_number], [])


# ============================================================ final account (CS-3.5.5)

def handle_final_account(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    account = parsed.header
    order, _, refused = _steps_before(tx, parsed, account.case_number, account.order_number,
                                      ("case.completed", "尚未完工（《工程派工单》未交回），不能先交决算书"))
    if refused:
        return refused
    lines = [line.model_dump() for line in parsed.lines]
    findings = repair_rules.check_final_account(lines, account.total, account.total_uppercase,
                                                parsed.line_sources, parsed.header_sources)
    if has_errors(findings):
        return Decision(findings=findings)
    findings += _correction_note(tx, account.case_number, "case.final_account", FINAL_ACCOUNT.title)
    _record(tx, "case.final_account", {**account.model_dump(mode="json"),
                                       "lines": [parsed_line.model_dump(mode="json") for parsed_line in parsed.lines]},
            account.case_number, submission)
    order_class = order.payload["order_class"]
    route = repair_rules.audit_route(account.total, ws.settings.repair.exactly_20000_audited_by)
    signoffs = repair_rules.required_settlement_signoffs(order_class, account.total)
    header = {"case_number": account.case_number, "order_number": account.order_number, "order_class": order_class,
              "final_total": f"{money(account.total)}（{to_uppercase(account.total)}）",
              "audit_route": f"{route}（CS-3.5.6）",
              "required_signoffs": "；".join(f"{who}（{clause}）" for _, who, clause in signoffs)
              + "。以上按决算金额列出；审定金额跨入另一审批档次的，按审定金额的权限签字（CS-3.6.1）"}
    document = Document(f"{ws.settings.paths.outbox}/{account.case_number}/07-{SETTLEMENT.title}.xlsx", "form",
                        {"form_id": SETTLEMENT.form_id, "header": header, "lines": []})
    return Decision(findings, [account.case_number], [document])


# ============================================================ settlement → payment (CS-3.5.6 … 3.6)

def handle_settlement(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    settled = parsed.header
    order, account, refused = _steps_before(tx, parsed, settled.case_number, settled.order_number,
                                            ("case.final_account", "尚未交回《维修工程决算书》，不能先交结算书"))
    if refused:
        return refused
    order_class = order.payload["order_class"]
    values = {key: getattr(settled, key) for key in SETTLEMENT_SIGNATURES}
    findings = repair_rules.check_settlement(order_class, settled.audited_amount, Decimal(account.payload["total"]),
                                             settled.over_reason, values, parsed.header_sources,
                                             exactly_20000_to=ws.settings.repair.exactly_20000_audited_by)
    if has_errors(findings):
        return Decision(findings=findings)
    findings += _correction_note(tx, settled.case_number, "case.settled", SETTLEMENT.title)
    amount = settled.audited_amount
    # CS-3.5.6 routes the audit by the amount submitted for audit: the final account's total.
    route = repair_rules.audit_route(Decimal(account.payload["total"]), ws.settings.repair.exactly_20000_audited_by)
    contractor = order.payload.get("contractor") or "（勘察表未填写施工单位名称）"
    by_contractor = order.payload.get("repairer") == CONTRACTOR
    others = _settled(tx, excluding=settled.case_number)
    # CS-3.6: a revolving fund carries the repair until 财务计统部 pays it back.
    fund_name = ws.settings.repair.fund_by_class.get(order_class)
    fund = ws.settings.repair.funds.get(fund_name) if fund_name else None
    if fund is not None and not by_contractor:
        used = sum((Decimal(p["audited_amount"]) for p in others.values() if not p.get("by_contractor")
                    and ws.settings.repair.fund_by_class.get(p.get("order_class")) == fund_name), Decimal("0"))
        findings += repair_rules.fund_warning(fund_name, fund, used, amount)
    deducted_before, deposit_findings = Decimal("0"), []
    if order_class == "A" and not by_contractor:
        deducted_before = sum((Decimal(p["audited_amount"]) for p in others.values()
                               if p.get("order_class") == "A" and p.get("contractor") == contractor
                               and not p.get("by_contractor")), Decimal("0"))
        deposit = ws.settings.repair.deposits.get(contractor)
        deposit_findings = ([] if deposit is None else
                            repair_rules.deposit_warning(contractor, deposit, deducted_before, amount))
        findings += deposit_findings
    _record(tx, "case.settled", {**settled.model_dump(mode="json"), "order_class": order_class,
                                 "contractor": contractor, "audit_route": route, "by_contractor": by_contractor},
            settled.case_number, submission)
    if not _has_event(tx, settled.case_number, "case.closed"):
        _record(tx, "case.closed", {"reason": "结算完成（CS-3.5.9）"}, settled.case_number, submission)
    record_violations(tx, findings, settled.case_number, submission)
    registered = tx.registration(settled.case_number).payload
    folder = f"{ws.settings.paths.outbox}/{settled.case_number}"
    approvals = [{"role": who, "name": values[key] or ""} for key, who, _ in
                 repair_rules.required_settlement_signoffs(order_class, amount)]
    case = {"number": settled.case_number, "customer": registered["customer"], "address": _location(registered)}
    payment = {"case": case, "order": {"number": settled.order_number, "order_class": order_class},
               "settlement": {"audited_amount": money(amount), "audited_uppercase": to_uppercase(amount),
                              "audit_route": route, "auditor": settled.auditor or "", "approvals": approvals},
               "payee": "物业公司（客户服务维修队）", "issued_on": chinese_date(submission.today)}
    dossier = Document(f"{folder}/99-案件档案-{settled.case_number}.pdf", "dossier",
                       {"case_number": settled.case_number, "issued_on": submission.today.isoformat()})
    if by_contractor:
        # The contractor repaired under its own warranty: nothing to pay the repair team, nothing to
        # deduct from the contractor's deposit (CS-3.4.6, CS-3.5.9).
        findings.append(warning("本案由施工单位自行维修，不向物业公司拨付维修队工程款，也不从其工程质量保证金中扣款",
                                clause="CS-3.5.9"))
        return Decision(findings, [settled.case_number], [dossier])
    documents = [Document(f"{folder}/08-维修工程款付款通知.docx", "docx",
                          {"template": "payment_notice.docx", "context": payment})]
    if order_class == "A":
        deposit = ws.settings.repair.deposits.get(contractor)
        after = deducted_before + amount
        warnings = " ".join(f.message for f in deposit_findings)
        deduction = {"case": {"number": settled.case_number, "address": _location(registered)},
                     "order": {"number": settled.order_number}, "contractor": contractor,
                     "amount": money(amount), "amount_uppercase": to_uppercase(amount),
                     "deposit": {"recorded": money(deposit) if deposit is not None else "未登记",
                                 "deducted_before": money(deducted_before), "deducted_after": money(after),
                                 "remaining": money(deposit - after) if deposit is not None else "—"},
                     "warning": warnings, "issued_on": chinese_date(submission.today)}
        documents.append(Document(f"{folder}/09-工程质量保证金扣款通知.docx", "docx",
                                  {"template": "deposit_deduction_notice.docx", "context": deduction}))
    documents.append(dossier)
    return Decision(findings, [settled.case_number], documents)


SETTLEMENT_SIGNATURES = ("auditor", "contractor_confirm", "deputy_chief_engineer_confirm", "approve_manager",
                         "review_deputy_chief_engineer", "approve_deputy_gm", "approve_gm")

REPAIR_HANDLERS = {WORK_ORDER.form_id: handle_work_order, CALLBACK.form_id: handle_callback,
                   FINAL_ACCOUNT.form_id: handle_final_account, SETTLEMENT.form_id: handle_settlement}
