"""The forms of the repair chain (CS-3.5): work order, callback record, final account, settlement.

Each is emitted pre-filled by docgen with what is already known (登记编号, 派工单编号, the customer,
the deadline) and completed by hand; dropped back, it continues the chain.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.forms.base import FormDef, Meta
from docgen.forms.site_survey import REPAIRERS, WORK_KINDS

OPINIONS = ("满意", "基本满意", "不满意")
ORDER_CLASSES = ("A", "B")


Number = Annotated[str, Meta(kind="number", width=20)]
Given = Annotated[str | None, Meta(width=20, filled_by_tool=True)]
GivenLong = Annotated[str | None, Meta(width=20, filled_by_tool=True, lines=2)]
Signature = Annotated[str | None, Meta(width=20, hint="签字人姓名")]


class WorkOrder(BaseModel):
    case_number: Number = Field(title="登记编号")
    order_number: Number = Field(title="派工单编号")
    order_class: Annotated[
        str,
        Meta(
            kind="choice",
            choices=ORDER_CLASSES,
            width=20,
            hint="A类：保修任务；B类：保修期外应由公司承担的维修任务（CS-3.5.1）",
        ),
    ] = Field(title="派工单类别")
    customer: Given = Field(None, title="客户姓名")
    phone: Given = Field(None, title="联系电话")
    address: Given = Field(None, title="项目及房号")
    complaint: GivenLong = Field(None, title="维修内容")
    work_kind: Annotated[str, Meta(kind="choice", choices=WORK_KINDS, width=20)] = Field(title="维修类型")
    repairer: Annotated[str, Meta(kind="choice", choices=REPAIRERS, width=20)] = Field(title="维修单位")
    due: Given = Field(None, title="完成期限")
    workers: Annotated[str, Meta(width=20, hint="参加维修的工人姓名，用“、”分隔")] = Field(title="维修人员")
    completed_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="完工日期")
    extension_consent: Annotated[
        bool | None, Meta(kind="yesno", choices=("是", "否"), width=20, hint="逾期完工的，是否事先取得客户同意延期")
    ] = Field(None, title="客户是否同意延期")
    check_service: Signature = Field(None, title="竣工检查（客户服务人员或物业人员）")
    check_team_leader: Signature = Field(None, title="竣工检查（维修队长）")
    customer_signature: Signature = Field(None, title="客户签认")
    customer_opinion: Annotated[str, Meta(kind="choice", choices=OPINIONS, width=20)] = Field(title="客户意见")
    customer_remarks: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="客户意见说明")


class Callback(BaseModel):
    case_number: Number = Field(title="登记编号")
    order_number: Number = Field(title="派工单编号")
    customer: Given = Field(None, title="客户姓名")
    phone: Given = Field(None, title="联系电话")
    completed: Given = Field(None, title="完工日期")
    callback_due: Given = Field(None, title="回访期限")
    callback_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="回访日期")
    satisfaction: Annotated[str, Meta(kind="choice", choices=OPINIONS, width=20)] = Field(title="客户满意程度")
    opinion: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="客户意见")
    caller: Annotated[str, Meta(width=20, label_synonyms=("资料员",))] = Field(title="回访人")


class FinalAccountHeader(BaseModel):
    case_number: Number = Field(title="登记编号")
    order_number: Number = Field(title="派工单编号")
    order_class: Annotated[str, Meta(kind="choice", choices=ORDER_CLASSES, width=10)] = Field(title="派工单类别")
    address: Given = Field(None, title="项目及房号")
    team_leader: Annotated[
        str,
        Meta(
            width=12,
            label_synonyms=("编制人（维修队长）",),
            hint="维修队维修的由维修队长编制（CS-3.5.5）；施工单位维修的由施工单位编制、工程材料部核实（CS-3.4.6）",
        ),
    ] = Field(title="编制人")
    prepared_date: Annotated[date, Meta(kind="date", width=12)] = Field(title="编制日期")
    total: Annotated[Decimal, Meta(kind="amount", width=12)] = Field(title="合计金额（元）")
    total_uppercase: Annotated[str, Meta(width=24, hint="如 壹仟贰佰元整")] = Field(title="合计金额（大写）")


class CostLine(BaseModel):
    item: Annotated[str, Meta(width=28)] = Field(title="项目")
    trade: Annotated[str | None, Meta(width=10)] = Field(None, title="工种")
    unit: Annotated[str, Meta(width=8)] = Field(title="单位")
    quantity: Annotated[Decimal, Meta(kind="decimal", width=10)] = Field(title="数量")
    unit_price: Annotated[Decimal, Meta(kind="decimal", width=12)] = Field(title="单价（元）")
    amount: Annotated[Decimal, Meta(kind="amount", width=14)] = Field(title="金额（元）")


class Settlement(BaseModel):
    case_number: Number = Field(title="登记编号")
    order_number: Number = Field(title="派工单编号")
    order_class: Annotated[str, Meta(kind="choice", choices=ORDER_CLASSES, width=20)] = Field(title="派工单类别")
    final_total: Given = Field(None, title="决算金额（元）")
    audit_route: Given = Field(None, title="审核部门")
    required_signoffs: GivenLong = Field(None, title="须签字确认")
    audited_amount: Annotated[Decimal, Meta(kind="amount", width=20)] = Field(title="审定金额（元）")
    over_reason: Annotated[str | None, Meta(width=20, lines=2, hint="审定金额高于决算金额时必须说明原因")] = Field(
        None, title="审定金额高于决算的原因"
    )
    auditor: Signature = Field(None, title="审核人")
    contractor_confirm: Signature = Field(None, title="施工单位确认")
    deputy_chief_engineer_confirm: Signature = Field(None, title="负责质量的副总工程师认定")
    approve_manager: Signature = Field(None, title="客户服务部经理审批")
    review_deputy_chief_engineer: Signature = Field(None, title="负责质量的副总工程师审核")
    approve_deputy_gm: Signature = Field(None, title="副总经理批准")
    approve_gm: Signature = Field(None, title="总经理审批")


class Approval(BaseModel):
    """《维修费用审批单》: a repair the company pays above 1,000 yuan, approved before the work order (CS-3.6.1)."""

    case_number: Number = Field(title="登记编号")
    customer: Given = Field(None, title="客户姓名")
    address: Given = Field(None, title="项目及房号")
    complaint: GivenLong = Field(None, title="维修内容")
    survey: Given = Field(None, title="勘察日期")
    responsible_party: Given = Field(None, title="责任方")
    order_class: Given = Field(None, title="派工单类别")
    repairer: Given = Field(None, title="维修单位")
    estimate: Given = Field(None, title="预估金额（元）")
    approvers: GivenLong = Field(None, title="须审批")
    review_deputy_chief_engineer: Signature = Field(None, title="负责质量的副总工程师审核")
    approve_deputy_gm: Signature = Field(None, title="副总经理批准")
    approve_gm: Signature = Field(None, title="总经理审批")
    opinion: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="审批意见")
    approved_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="审批日期")


QUOTE_ANSWERS = ("同意自费维修", "不同意")


class Quote(BaseModel):
    """《维修报价确认单》: a repair the customer is responsible for, quoted to the customer (CS-3.4.5)."""

    case_number: Number = Field(title="登记编号")
    customer: Given = Field(None, title="客户姓名")
    phone: Given = Field(None, title="联系电话")
    address: Given = Field(None, title="项目及房号")
    complaint: GivenLong = Field(None, title="维修内容")
    findings: GivenLong = Field(None, title="勘察意见")
    responsible_party: Given = Field(None, title="责任方")
    amount: Given = Field(None, title="报价金额（元）")
    answer: Annotated[
        str,
        Meta(kind="choice", choices=QUOTE_ANSWERS, value_synonyms={"同意": "同意自费维修"}, width=20),
    ] = Field(title="客户意见")
    customer_signature: Signature = Field(None, title="客户签字")
    answered_date: Annotated[date, Meta(kind="date", width=20)] = Field(title="确认日期")
    remarks: Annotated[str | None, Meta(width=20, lines=2)] = Field(None, title="备注")


# Every sign-off of the 结算书, in the order the form prints them (which of them an amount needs: CS-3.5.7, 3.5.8, 3.6.1).
SETTLEMENT_SIGNATURES = (
    "auditor",
    "contractor_confirm",
    "deputy_chief_engineer_confirm",
    "approve_manager",
    "review_deputy_chief_engineer",
    "approve_deputy_gm",
    "approve_gm",
)


WORK_ORDER = FormDef(
    "CS-WO",
    1,
    "工程派工单",
    "派工单",
    "CS-3.5.1",
    WorkOrder,
    footer_note="说明：A类为保修任务，B类为保修期外应由公司承担的维修任务（CS-3.5.1）；完工后由客户服务人员"
    "（或物业人员）、维修队长竣工检查，客户签认（CS-3.5.3）。",
)
CALLBACK = FormDef(
    "CS-CALLBACK",
    1,
    "回访记录",
    "回访记录",
    "CS-3.5.4",
    Callback,
    footer_note="说明：完工后一个工作日内由资料员电话回访客户（CS-3.5.4）。",
)
FINAL_ACCOUNT = FormDef(
    "CS-FINAL",
    1,
    "维修工程决算书",
    "决算书",
    "CS-3.5.5",
    FinalAccountHeader,
    CostLine,
    lines_key="cost_lines",
    lines_title="费用明细",
    blank_lines=20,
    footer_note="说明：由维修队长编制，报客户服务部审核（CS-3.5.5）；合计金额须等于各项金额之和，大写须与小写一致。",
)
SETTLEMENT = FormDef(
    "CS-SETTLE",
    1,
    "维修工程结算书",
    "结算书",
    "CS-3.5.6",
    Settlement,
    footer_note="说明：2万元以下由客户服务部审核，2万元以上由审计核算部审核（CS-3.5.6）；审批权限见 CS-3.6.1。",
)
APPROVAL = FormDef(
    "CS-APPROVAL",
    1,
    "维修费用审批单",
    "审批单",
    "CS-3.6.1",
    Approval,
    footer_note="说明：单项维修款1000元以内由客户服务部经理审批；1000元到1万元内由负责质量的副总工程师审核、副总经理批准，"
    "即可进行维修；超过1万元的报总经理审批（CS-3.6.1）。审批后交回，即发出《工程派工单》。",
)
QUOTE = FormDef(
    "CS-QUOTE",
    1,
    "维修报价确认单",
    "报价确认单",
    "CS-3.4.5",
    Quote,
    footer_note="说明：经现场勘察，责任方为业主/客户，维修费用由客户承担，不属A类保修或B类公司承担的维修任务"
    "（CS-3.4.5、CS-3.5.1）。客户签字确认后交回，本投诉即办结。",
)
