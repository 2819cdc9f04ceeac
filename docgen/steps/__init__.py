"""The workflow steps, one module per form (docs/design.md §6), and ``STEPS``, the one registry of them
keyed by form id: ``pipeline`` hands each validated form to ``STEPS[form_id]``. ``FORMS`` is the read-only
view of their form definitions that the readers and the blank-form writer are handed."""

from collections.abc import Mapping
from types import MappingProxyType

from docgen.forms.base import FormDef
from docgen.steps import (
    approval,
    callback,
    escalation,
    final_account,
    minutes_intake,
    nonconformity,
    occupancy,
    payment,
    plan_adjustment,
    plan_group_report,
    plan_report,
    plan_review,
    plan_targets,
    product_usage,
    quote,
    register,
    sales_inquiry,
    settlement,
    site_survey,
    special_report,
    survey,
    work_order,
)
from docgen.steps.base import Step

STEPS: dict[str, Step] = {
    step.form.form_id: step
    for step in (
        register.STEP,
        escalation.STEP,
        site_survey.STEP,
        approval.STEP,
        quote.STEP,
        work_order.STEP,
        callback.STEP,
        final_account.STEP,
        settlement.STEP,
        payment.STEP,
        minutes_intake.STEP,
        special_report.STEP,
        product_usage.STEP,
        occupancy.STEP,
        survey.STEP,
        survey.REVISIT_STEP,
        nonconformity.STEP,
        plan_targets.STEP,
        plan_targets.PROJECTS_STEP,
        plan_report.STEP,
        plan_review.STEP,
        plan_adjustment.STEP,
        plan_group_report.STEP,
        sales_inquiry.STEP,
    )
}

FORMS: Mapping[str, FormDef] = MappingProxyType({form_id: step.form for form_id, step in STEPS.items()})
