"""Rules of the site survey sign-off (《现场勘察会签表》, CS-3.4.5 and CS-3.4.6).

Errors are what makes the sheet unusable as a sign-off (a signature the procedure requires is
missing); violations are true facts that break the procedure (the survey came late) and are recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from docgen.findings import Finding, error, violation
from docgen.forms.base import Raw
from docgen.forms.site_survey import SiteSurvey
from docgen.procedures.workdays import WorkCalendar

# CS-3.4.5 "500元以下工程，施工单位无须到场". 以下 includes the number (Civil Code art. 1259, as
# CLAUSES.md reads every boundary), so a 500-yuan job needs no contractor signature either.
CONTRACTOR_EXEMPT_UP_TO = Decimal("500")

ALWAYS_SIGN = (("sign_service", "客户服务部"), ("sign_engineering", "工程材料部或物业公司"),
               ("sign_team_leader", "维修队长"))


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
            findings.append(error(f"缺少{signatory}的会签签字；{reason}现场勘察须由{signatory}到场并签字",
                                  clause="CS-3.4.5", field=key, **_at(sources.get(key))))
    return findings


def check_complex_work(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.4.5: especially complex work may take longer only with the customer's prior consent."""
    if survey.work_kind != "特别复杂":
        return []
    findings = []
    if survey.customer_consent is not True:
        findings.append(error("维修类型为“特别复杂”，须事先取得客户认可：“客户是否认可延长工期”应填“是”",
                              clause="CS-3.4.5", field="customer_consent", **_at(sources.get("customer_consent"))))
    if survey.agreed_completion is None:
        findings.append(error("维修类型为“特别复杂”，须填写与客户约定的完成日期", clause="CS-3.4.5",
                              field="agreed_completion", **_at(sources.get("agreed_completion"))))
    elif survey.agreed_completion < survey.survey_date:
        findings.append(error(f"约定完成日期{survey.agreed_completion.isoformat()}早于勘察日期",
                              clause="CS-3.4.5", field="agreed_completion", **_at(sources.get("agreed_completion"))))
    return findings


def check_survey_on_time(survey: SiteSurvey, due: date, calendar: WorkCalendar,
                         sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.4.5: the survey is made within 1 working day; later is a recorded violation."""
    late = calendar.workdays_late(due, survey.survey_date)
    if late <= 0:
        return []
    return [violation(f"现场勘察于{survey.survey_date.isoformat()}进行，晚于期限{due.isoformat()}，"
                      f"晚{late}个工作日", clause="CS-3.4.5", field="survey_date", **_at(sources.get("survey_date")))]


def check_contractor_named(survey: SiteSurvey, sources: dict[str, Raw]) -> list[Finding]:
    """CS-3.5.9: warranty repair costs are deducted from the contractor's quality deposit, so a
    warranty survey must say which contractor."""
    if survey.in_warranty and not survey.contractor:
        return [error("在保修期内的维修须填写“施工单位名称”（维修费用将从其工程质量保证金中扣回）",
                      clause="CS-3.5.9", field="contractor", **_at(sources.get("contractor")))]
    return []
