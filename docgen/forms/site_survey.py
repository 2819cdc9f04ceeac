"""《现场勘察会签表》 (CS-3.4.5): emitted pre-filled for every repair case, completed on site."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.forms.base import FormDef, Meta

# CS-3.4.5 "分析甄别维修工程任务的责任方": who is responsible decides the class of the work order, who pays and
# whether the contractor's deposit is charged (``procedures.repair_rules.responsibility``).
CONTRACTOR_PARTY, COMPANY_PARTY, CUSTOMER_PARTY, OTHER_PARTY = "施工单位", "公司", "业主/客户", "其他"
RESPONSIBLE_PARTIES = (CONTRACTOR_PARTY, COMPANY_PARTY, CUSTOMER_PARTY, OTHER_PARTY)
# The choices of the forms in circulation before (设计, 物业, 客户): a design fault is the company's, the
# property company is another party, the customer is the owner.
RESPONSIBLE_PARTY_SYNONYMS = {
    "客户": CUSTOMER_PARTY,
    "业主": CUSTOMER_PARTY,
    "设计": COMPANY_PARTY,
    "物业": OTHER_PARTY,
}
WORK_KINDS = ("单工种", "多工种", "特别复杂")
REPAIRERS = ("客户服务维修队", "施工单位（经工程材料部）")


class SiteSurvey(BaseModel):
    case_number: Annotated[str, Meta(kind="number", width=20, label_synonyms=("统一编号",))] = Field(title="登记编号")
    customer: Annotated[str | None, Meta(width=20)] = Field(None, title="客户姓名")
    phone: Annotated[str | None, Meta(kind="phone", width=20)] = Field(None, title="联系电话")
    address: Annotated[str | None, Meta(width=20)] = Field(None, title="项目及房号")
    complaint: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="投诉内容")
    registered: Annotated[str | None, Meta(width=20)] = Field(None, title="登记时间")
    survey_due: Annotated[str | None, Meta(width=20)] = Field(None, title="勘察期限")
    survey_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="勘察日期")
    survey_time: Annotated[time | None, Meta(kind="time", width=20)] = Field(None, title="勘察时间")
    estimate: Annotated[Decimal, Meta(kind="amount", width=20, hint="元，如 1200.50")] = Field(title="预估金额（元）")
    responsible_party: Annotated[
        str,
        Meta(
            kind="choice",
            choices=RESPONSIBLE_PARTIES,
            value_synonyms=RESPONSIBLE_PARTY_SYNONYMS,
            width=20,
            hint="施工单位：保修期内为A类，从其保证金扣款；公司：B类；业主/客户：客户自费，向客户报价；"
            "其他：不派工，在勘察意见写明责任单位",
        ),
    ] = Field(title="责任方")
    contractor: Annotated[
        str | None, Meta(width=20, hint="施工单位的名称：保修扣款（CS-3.5.9）或由施工单位维修（CS-3.4.6）时必填")
    ] = Field(None, title="施工单位名称")
    work_kind: Annotated[str, Meta(kind="choice", choices=WORK_KINDS, width=20)] = Field(title="维修类型")
    in_warranty: Annotated[bool, Meta(kind="yesno", choices=("是", "否"), width=20)] = Field(title="是否在保修期内")
    repairer: Annotated[str, Meta(kind="choice", choices=REPAIRERS, width=20)] = Field(title="维修单位")
    customer_consent: Annotated[
        bool | None, Meta(kind="yesno", choices=("是", "否"), width=20, hint="特别复杂的维修须事先取得客户认可")
    ] = Field(None, title="客户是否认可延长工期")
    agreed_completion: Annotated[date | None, Meta(kind="date", width=20, future=True)] = Field(
        None, title="约定完成日期"
    )
    findings: Annotated[str | None, Meta(width=20, lines=3)] = Field(None, title="勘察意见")
    sign_service: Annotated[str | None, Meta(width=20)] = Field(None, title="客户服务部签字")
    sign_engineering: Annotated[str | None, Meta(width=20)] = Field(None, title="工程材料部或物业公司签字")
    sign_team_leader: Annotated[str | None, Meta(width=20)] = Field(None, title="维修队长签字")
    sign_contractor: Annotated[str | None, Meta(width=20, hint="500元以下工程施工单位无须到场")] = Field(
        None, title="施工单位签字"
    )


SITE_SURVEY = FormDef(
    form_id="CS-SURVEY",
    version=1,
    title="现场勘察会签表",
    sheet_title="勘察会签表",
    clause="CS-3.4.5",
    header_model=SiteSurvey,
    footer_note="说明：维修工程由客户服务部、工程材料部（或物业公司）、维修队长、施工单位在1个工作日内到现场勘察"
    "（500元以下工程施工单位无须到场）（CS-3.4.5）。",
)
