"""The registry of forms: every form docgen generates, reads and validates."""

from docgen.forms.base import FormDef
from docgen.forms.minutes import MINUTES
from docgen.forms.register import REGISTER
from docgen.forms.repair import CALLBACK, FINAL_ACCOUNT, SETTLEMENT, WORK_ORDER
from docgen.forms.site_survey import SITE_SURVEY

FORMS: dict[str, FormDef] = {
    form.form_id: form for form in (REGISTER, SITE_SURVEY, WORK_ORDER, CALLBACK, FINAL_ACCOUNT, SETTLEMENT, MINUTES)
}


def by_title(title: str) -> FormDef | None:
    """The form whose title appears in a text (forms that lost their metadata)."""
    compact = "".join(title.split())
    for form in FORMS.values():
        if form.title.replace("、", "") in compact.replace("、", ""):
            return form
    return None
