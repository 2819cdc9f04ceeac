"""The work order 《工程派工单》 returned completed (CS-3.5.2, CS-3.5.3): the completion check and the
customer's sign-off, a late repair recorded as a violation (CS-3.4.5); emits 05 《回访记录》, due in one
working day (CS-3.5.4), and 06 《维修工程决算书》 for the team leader (CS-3.5.5).
"""

from __future__ import annotations

from datetime import date

from docgen.events import CASE_COMPLETED, CASE_SURVEYED
from docgen.findings import Finding, has_errors
from docgen.forms.base import ParsedForm
from docgen.forms.repair import CALLBACK, FINAL_ACCOUNT, WORK_ORDER, WorkOrder
from docgen.ledger import Event, Transaction
from docgen.procedures import repair_rules
from docgen.steps import closure, facts
from docgen.steps.base import (
    Check,
    Context,
    Decision,
    Document,
    FormStep,
    Submission,
    correction_note,
    dated_since_survey,
    due_text,
    header_of,
    latest_event,
    location,
    once_valid,
    record,
    record_violations,
    registration,
    run_checks,
    steps_before,
)
from docgen.wording import chinese_date
from docgen.workspace import Workspace


def signoffs(context: Context[WorkOrder]) -> list[Finding]:
    """CS-3.5.3: 竣工检查 by 客户服务人员/物业人员 and 维修队长, and the customer's signature."""
    done = context.header
    return repair_rules.check_completion_signoffs(
        done.check_service, done.check_team_leader, done.customer_signature, context.sources
    )


@once_valid
def completed_in_window(context: Context[WorkOrder]) -> list[Finding]:
    """CS-3.5.2: completed between the survey and today."""
    return dated_since_survey(context, "completed_date", "完工日期", "CS-3.5.2")


@once_valid
def completed_on_time(context: Context[WorkOrder]) -> list[Finding]:
    """CS-3.4.5: a late repair, and a late one without the customer's consent, are violations."""
    done = context.header
    return repair_rules.check_completion(
        done.completed_date, context.facts["due"], done.extension_consent, context.ws.calendar, context.sources
    )


CHECKS: tuple[Check, ...] = (signoffs, completed_in_window, completed_on_time)


def handle_work_order(tx: Transaction, ws: Workspace, parsed: ParsedForm, submission: Submission) -> Decision:
    done = header_of(parsed, WorkOrder)
    order, _, refused = steps_before(tx, parsed, done.case_number, done.order_number)
    if refused:
        return refused
    # A work order exists only after a survey (site_survey records both), so both events are there.
    survey = latest_event(tx, done.case_number, CASE_SURVEYED)
    assert order is not None and survey is not None
    surveyed_on = date.fromisoformat(survey.payload["survey_date"])
    due = date.fromisoformat(order.payload["deadlines"][0]["due"])
    findings = run_checks(
        CHECKS, Context(tx, ws, parsed, done, submission.today, {"surveyed_on": surveyed_on, "due": due})
    )
    if has_errors(findings):
        return Decision(findings=findings)
    findings += correction_note(tx, done.case_number, CASE_COMPLETED, WORK_ORDER.title)
    callback = repair_rules.callback_due(ws.calendar, done.completed_date)
    deadline = {
        "key": "callback",
        "label": "电话回访客户",
        "due": callback.due.isoformat(),
        "clause": "CS-3.5.4",
        "provisional": callback.provisional,
        "basis": callback.basis,
        "actor": "客户服务部（处）资料员",
    }
    record(tx, CASE_COMPLETED, {**done.model_dump(mode="json"), "deadlines": [deadline]}, done.case_number, submission)
    record_violations(tx, findings, done.case_number, submission)
    registered = registration(tx, done.case_number)
    folder = f"{ws.settings.paths.outbox}/{done.case_number}"
    callback_form = {
        "case_number": done.case_number,
        "order_number": done.order_number,
        "customer": registered["customer"],
        "phone": registered["phone"],
        "completed": chinese_date(done.completed_date),
        "callback_due": f"{due_text(deadline)}前（CS-3.5.4）",
    }
    account = {
        "case_number": done.case_number,
        "order_number": done.order_number,
        "order_class": order.payload["order_class"],
        "address": location(registered),
    }
    documents = [
        Document(
            f"{folder}/05-{CALLBACK.title}.xlsx",
            "form",
            {"form_id": CALLBACK.form_id, "header": callback_form, "lines": []},
        )
    ]
    # CS-3.5.5: the final account, for a repair the company pays; a warranty repair the contractor makes
    # itself is at its own cost (CS-3.4.6), with nothing to account for or settle.
    if closure.settlement_needed(tx, done.case_number):
        documents.append(
            Document(
                f"{folder}/06-{FINAL_ACCOUNT.title}.xlsx",
                "form",
                {"form_id": FINAL_ACCOUNT.form_id, "header": account, "lines": []},
            )
        )
    # Whichever of completion, callback and settlement comes last closes the case.
    documents += closure.close_when_done(tx, ws, done.case_number, submission)
    return Decision(findings, [done.case_number], documents)


def completed_facts(event: Event) -> str:
    p = event.payload
    opinion = p.get("customer_opinion")
    if opinion and p.get("customer_remarks"):
        opinion = f"{opinion}（{p['customer_remarks']}）"
    checked_by = {"check_service": "客户服务人员或物业人员", "check_team_leader": "维修队长"}
    return facts.joined(
        [
            ("派工单号", p.get("order_number")),
            ("完工日期", facts.cn(p.get("completed_date"))),
            ("维修人员", p.get("workers")),
            ("竣工检查", facts.signatures(p, WORK_ORDER, checked_by, checked_by)),
            ("客户签认", p.get("customer_signature")),
            ("客户意见", opinion),
            ("客户同意延期", p.get("extension_consent")),
        ]
    )


FACTS: facts.Facts = {CASE_COMPLETED: completed_facts}


STEP = FormStep(WORK_ORDER, CHECKS, handle_work_order, FACTS, "work-order")
