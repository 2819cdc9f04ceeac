"""The forms of 《计划管理程序》 (PL-2 … PL-5), one definition each (docs/design.md §5). Their steps live in
``docgen/steps/plan_*.py``; the definitions are here because one step emits another's form pre-filled (the approved
targets emit each unit's 《计划执行报告》, a branch's report emits its 《计划执行报告财务审核表》).

- 《年度计划指标》 (PL-TARGETS): the approved annual targets, one line per unit and indicator with the quarterly split
  (PL-3.2.3); 企业发展中心 drops it once the decision-makers approved the indicators.
- 《年度项目计划》 (PL-PROJECTS): the annual plan's project lines (start, completion, delivery, areas, sales,
  collection), what 企业发展中心 balances (PL-3.2.4).
- 《计划执行报告》 (PL-REPORT): a department's or branch's quarterly or annual execution report (PL-3.3.1). The copy
  docgen emits when the targets are approved is the unit's 《计划指标分解表》 (its quarterly split filled in) and its
  first quarter's report.
- 《计划执行报告财务审核表》 (PL-FINANCE): 财务计统部's review of a branch's report (PL-2.2.2, PL-3.3.2).
- 《计划调整方案》 (PL-ADJUST): a plan adjustment proposed by 企业发展中心 and approved by the decision-makers
  (PL-3.4.2).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from docgen.forms.base import FormDef, Meta

PERIOD_CHOICES = ("第一季度", "第二季度", "第三季度", "第四季度", "年度")
PERIOD_CODES = dict(zip(PERIOD_CHOICES, ("Q1", "Q2", "Q3", "Q4", "年度")))
PERIOD_WORDS = {
    "一季度": "第一季度",
    "二季度": "第二季度",
    "三季度": "第三季度",
    "四季度": "第四季度",
    "Q1": "第一季度",
    "Q2": "第二季度",
    "Q3": "第三季度",
    "Q4": "第四季度",
    "全年": "年度",
    "年度报告": "年度",
}
QUARTER_CHOICES = ("一季度", "二季度", "三季度", "四季度")
QUARTER_NUMBERS = dict(zip(QUARTER_CHOICES, (1, 2, 3, 4)))
QUARTER_WORDS = {"第一季度": "一季度", "第二季度": "二季度", "第三季度": "三季度", "第四季度": "四季度"} | {
    f"Q{n}": words for n, words in enumerate(QUARTER_CHOICES, 1)
}
PASSED, TO_REVISE = "通过", "需修改"
APPROVE, REFUSE = "批准", "不批准"


def _whole_year(value: object) -> object:
    """年度 as a whole number (the cell is read as a decimal: 2026, "2026", 2026.0)."""
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise PydanticCustomError("plan_year", "应为整数年份，如 2026")
        return int(value)
    return value


Year = Annotated[int, BeforeValidator(_whole_year), Meta(kind="decimal", width=10, hint="如 2026")]


# ============================================================ 《年度计划指标》 (PL-3.2.3)


class TargetsHeader(BaseModel):
    year: Year = Field(title="年度")
    approved_on: Annotated[date, Meta(kind="date", width=14, label_synonyms=("审批日期",))] = Field(title="批准日期")
    approver: Annotated[str | None, Meta(width=14, hint="决策层批准人")] = Field(None, title="批准人")
    compiled_by: Annotated[str | None, Meta(width=14, hint="企业发展中心编制人")] = Field(None, title="编制人")


class TargetLine(BaseModel):
    unit: Annotated[str, Meta(width=14, label_synonyms=("部门", "部门/分支机构"), hint="部门或分支机构名称")] = Field(
        title="单位"
    )
    indicator: Annotated[str, Meta(width=22, label_synonyms=("指标名称", "指标编码"), hint="指标编码或名称")] = Field(
        title="指标"
    )
    annual: Annotated[Decimal, Meta(kind="decimal", width=11, label_synonyms=("年度计划",))] = Field(title="年度目标")
    split_q1: Annotated[Decimal | None, Meta(kind="decimal", width=10, hint="留空按默认比例分解")] = Field(
        None, title="一季度"
    )
    split_q2: Annotated[Decimal | None, Meta(kind="decimal", width=10, hint="留空按默认比例分解")] = Field(
        None, title="二季度"
    )
    split_q3: Annotated[Decimal | None, Meta(kind="decimal", width=10, hint="留空按默认比例分解")] = Field(
        None, title="三季度"
    )
    split_q4: Annotated[Decimal | None, Meta(kind="decimal", width=10, hint="留空按默认比例分解")] = Field(
        None, title="四季度"
    )
    note: Annotated[str | None, Meta(width=20)] = Field(None, title="备注")


TARGETS = FormDef(
    "PL-TARGETS",
    1,
    "年度计划指标",
    "年度计划指标",
    "PL-3.2.3",
    TargetsHeader,
    TargetLine,
    lines_title="计划指标",
    blank_lines=60,
    footer_note="说明：企业发展中心按决策层批准的计划指标逐单位、逐指标填写年度目标（PL-3.2.3）；季度分解留空的，"
    "按默认比例分解（累加型指标四个季度各 25%，比率型指标各季度同年度目标）。放入 intake 后，每个部门和分支机构"
    "收到本单位的《计划指标分解表》。",
)


# ============================================================ 《年度项目计划》 (PL-3.2.4)


class ProjectsHeader(BaseModel):
    year: Year = Field(title="年度")
    approved_on: Annotated[date, Meta(kind="date", width=14, label_synonyms=("审批日期",))] = Field(title="批准日期")


class ProjectLine(BaseModel):
    project: Annotated[str, Meta(width=16, label_synonyms=("项目名称",))] = Field(title="项目")
    start_on: Annotated[date | None, Meta(kind="date", width=13, future=True)] = Field(None, title="计划开工日期")
    completion_on: Annotated[date | None, Meta(kind="date", width=13, future=True)] = Field(None, title="计划竣工日期")
    delivery_on: Annotated[date | None, Meta(kind="date", width=13, future=True)] = Field(None, title="计划交付日期")
    saleable_area: Annotated[Decimal | None, Meta(kind="decimal", width=12, hint="万平方米")] = Field(
        None, title="可售面积（万平方米）"
    )
    sales_area: Annotated[Decimal | None, Meta(kind="decimal", width=12, hint="万平方米")] = Field(
        None, title="计划销售面积（万平方米）"
    )
    sales_amount: Annotated[Decimal | None, Meta(kind="decimal", width=12, hint="万元")] = Field(
        None, title="计划销售额（万元）"
    )
    collection_amount: Annotated[Decimal | None, Meta(kind="decimal", width=12, hint="万元")] = Field(
        None, title="计划回款额（万元）"
    )


PROJECTS = FormDef(
    "PL-PROJECTS",
    1,
    "年度项目计划",
    "年度项目计划",
    "PL-3.2.4",
    ProjectsHeader,
    ProjectLine,
    lines_title="项目计划",
    blank_lines=30,
    landscape=True,
    footer_note="说明：年度计划的项目明细，企业发展中心据此进行产销之间、交付期与工程进度之间及各项主要经济指标之间的"
    "综合平衡（PL-3.2.4）。",
)


# ============================================================ 《计划执行报告》 (PL-3.3.1)


class ReportHeader(BaseModel):
    unit: Annotated[str, Meta(width=16, label_synonyms=("部门", "分支机构", "报送单位"))] = Field(title="单位")
    year: Year = Field(title="年度")
    period: Annotated[
        str,
        Meta(
            kind="choice", choices=PERIOD_CHOICES, value_synonyms=PERIOD_WORDS, width=12, label_synonyms=("报告期间",)
        ),
    ] = Field(title="报告期")
    due: Annotated[str | None, Meta(width=16, filled_by_tool=True, hint="由 docgen 填写（PL-3.3.1）")] = Field(
        None, title="报送期限"
    )
    submitted_on: Annotated[date, Meta(kind="date", width=14, label_synonyms=("报送时间",))] = Field(title="报送日期")
    reporter: Annotated[str | None, Meta(width=12, label_synonyms=("填表人",))] = Field(None, title="填报人")
    problems: Annotated[
        str | None, Meta(width=40, lines=2, hint="影响计划执行的非常规性问题，每行一项（PL-2.2.3）")
    ] = Field(None, title="非常规问题")
    experience: Annotated[str | None, Meta(width=40)] = Field(None, title="执行经验")
    shortfalls: Annotated[str | None, Meta(width=40)] = Field(None, title="存在不足")


class ReportLineRow(BaseModel):
    code: Annotated[str | None, Meta(width=7, filled_by_tool=True)] = Field(None, title="指标编码")
    name: Annotated[str | None, Meta(width=14, label_synonyms=("指标",))] = Field(None, title="指标名称")
    measure: Annotated[str | None, Meta(width=8, filled_by_tool=True)] = Field(None, title="计量单位")
    annual: Annotated[Decimal | None, Meta(kind="decimal", width=9, filled_by_tool=True)] = Field(
        None, title="年度目标"
    )
    split_q1: Annotated[Decimal | None, Meta(kind="decimal", width=8, filled_by_tool=True)] = Field(
        None, title="一季度计划"
    )
    split_q2: Annotated[Decimal | None, Meta(kind="decimal", width=8, filled_by_tool=True)] = Field(
        None, title="二季度计划"
    )
    split_q3: Annotated[Decimal | None, Meta(kind="decimal", width=8, filled_by_tool=True)] = Field(
        None, title="三季度计划"
    )
    split_q4: Annotated[Decimal | None, Meta(kind="decimal", width=8, filled_by_tool=True)] = Field(
        None, title="四季度计划"
    )
    planned: Annotated[Decimal | None, Meta(kind="decimal", width=9, filled_by_tool=True)] = Field(
        None, title="本期计划"
    )
    actual: Annotated[Decimal, Meta(kind="decimal", width=9, hint="本期实际完成数")] = Field(title="本期实际")
    cumulative_planned: Annotated[Decimal | None, Meta(kind="decimal", width=9, filled_by_tool=True)] = Field(
        None, title="累计计划"
    )
    previous_cumulative: Annotated[Decimal | None, Meta(kind="decimal", width=9, filled_by_tool=True)] = Field(
        None, title="上期累计实际"
    )
    cumulative_actual: Annotated[
        Decimal | None, Meta(kind="decimal", width=9, hint="留空由 docgen 按上期累计实际加本期实际计算")
    ] = Field(None, title="累计实际")
    deviation: Annotated[str | None, Meta(width=12, filled_by_tool=True, hint="由 docgen 计算")] = Field(
        None, title="偏差率（%）"
    )
    reason: Annotated[str | None, Meta(width=26, hint="偏差达到规定幅度须写明原因（PL-3.4.1）")] = Field(
        None, title="偏差原因"
    )


REPORT = FormDef(
    "PL-REPORT",
    1,
    "计划执行报告",
    "计划执行报告",
    "PL-3.3.1",
    ReportHeader,
    ReportLineRow,
    lines_title="指标执行情况",
    blank_lines=6,
    landscape=True,
    footer_note="说明：季度报告于每季度首月10日前、年度报告于次年1月20日前报企业发展中心（PL-3.3.1）；分支机构同时报"
    "财务计统部审核（PL-3.3.2）。填写本期实际（及累计实际），偏差率由 docgen 计算；偏差达到规定幅度的须写明原因"
    "（PL-3.4.1）。",
)


# ============================================================ 《计划执行报告财务审核表》 (PL-3.3.2)


class FinanceHeader(BaseModel):
    unit: Annotated[str, Meta(width=16, label_synonyms=("单位",))] = Field(title="分支机构")
    year: Year = Field(title="年度")
    period: Annotated[str, Meta(kind="choice", choices=PERIOD_CHOICES, value_synonyms=PERIOD_WORDS, width=12)] = Field(
        title="报告期"
    )
    submitted: Annotated[str | None, Meta(width=16, filled_by_tool=True)] = Field(None, title="报告报送日期")
    due: Annotated[str | None, Meta(width=16, filled_by_tool=True, hint="五个工作日内（PL-3.3.2）")] = Field(
        None, title="审核期限"
    )
    reviewer: Annotated[str, Meta(width=14)] = Field(title="审核人")
    reviewed_on: Annotated[date, Meta(kind="date", width=14)] = Field(title="审核日期")
    opinion: Annotated[
        str,
        Meta(kind="choice", choices=(PASSED, TO_REVISE), width=10, value_synonyms={"同意": PASSED, "修改": TO_REVISE}),
    ] = Field(title="审核意见")
    note: Annotated[str | None, Meta(width=40, lines=3, hint="需修改的，写明问题")] = Field(None, title="说明")


FINANCE = FormDef(
    "PL-FINANCE",
    1,
    "计划执行报告财务审核表",
    "财务审核",
    "PL-3.3.2",
    FinanceHeader,
    footer_note="说明：分支机构的计划执行报告由财务计统部在五个工作日内进行财务方面的审核后转发企业发展中心"
    "（PL-2.2.2、PL-3.3.2）；填写审核人、审核日期和审核意见，放入 intake 文件夹。",
)


# ============================================================ 《计划调整方案》 (PL-3.4.2)


class AdjustmentHeader(BaseModel):
    number: Annotated[str | None, Meta(width=18, filled_by_tool=True, hint="新方案留空，由 docgen 编号")] = Field(
        None, title="编号"
    )
    year: Year = Field(title="年度")
    unit: Annotated[str, Meta(width=16, label_synonyms=("部门", "分支机构"))] = Field(title="单位")
    indicator: Annotated[str, Meta(width=22, hint="指标编码或名称")] = Field(title="指标")
    effective_quarter: Annotated[
        str, Meta(kind="choice", choices=QUARTER_CHOICES, value_synonyms=QUARTER_WORDS, width=10)
    ] = Field(title="生效季度")
    current: Annotated[str | None, Meta(width=40, filled_by_tool=True)] = Field(None, title="原季度目标")
    new_q1: Annotated[Decimal | None, Meta(kind="decimal", width=12)] = Field(None, title="调整后一季度目标")
    new_q2: Annotated[Decimal | None, Meta(kind="decimal", width=12)] = Field(None, title="调整后二季度目标")
    new_q3: Annotated[Decimal | None, Meta(kind="decimal", width=12)] = Field(None, title="调整后三季度目标")
    new_q4: Annotated[Decimal | None, Meta(kind="decimal", width=12)] = Field(None, title="调整后四季度目标")
    reason: Annotated[str, Meta(width=40, lines=3)] = Field(title="调整原因")
    proposer: Annotated[str | None, Meta(width=14, hint="企业发展中心")] = Field(None, title="提出人")
    proposed_on: Annotated[date, Meta(kind="date", width=14)] = Field(title="提出日期")
    approver: Annotated[str | None, Meta(width=14, hint="决策层审批人")] = Field(None, title="审批人")
    approved_on: Annotated[date | None, Meta(kind="date", width=14)] = Field(None, title="审批日期")
    decision: Annotated[
        str | None, Meta(kind="choice", choices=(APPROVE, REFUSE), width=10, value_synonyms={"同意": APPROVE})
    ] = Field(None, title="审批结果")


ADJUSTMENT = FormDef(
    "PL-ADJUST",
    1,
    "计划调整方案",
    "计划调整方案",
    "PL-3.4.2",
    AdjustmentHeader,
    footer_note="说明：企业发展中心提出计划调整方案，经计划委员会专题会议协商讨论（PL-3.4.2、PL-5.1），由决策层审批"
    "（审批人、审批日期、审批结果）；批准后自生效季度起执行调整后的目标，之前的季度不变。",
)


# ============================================================ 《集团计划执行报告》 completed (PL-3.3.3)


class GroupReportHeader(BaseModel):
    """The Word draft of ``docgen plan report`` completed by 企业发展中心 (经验, 不足) and dropped back."""

    period: Annotated[str, Meta(width=16, label_synonyms=("报告期",), hint="2026Q3、2026H1 或 2026")] = Field(
        title="报告期间"
    )
    compiled_on: Annotated[str | None, Meta(width=16, filled_by_tool=True)] = Field(None, title="编制日期")
    # Checked by the step rather than required by the model, so that a section left empty is named with its cell.
    experience: Annotated[str | None, Meta(width=60, lines=8, max_length=10000, hint="本期计划执行的经验")] = Field(
        None, title="执行经验"
    )
    shortfalls: Annotated[
        str | None, Meta(width=60, lines=8, max_length=10000, hint="本期计划执行的不足及改进措施")
    ] = Field(None, title="执行不足")


GROUP_REPORT = FormDef(
    "PL-GROUP",
    1,
    "集团计划执行报告",
    "集团计划执行报告",
    "PL-3.3.3",
    GroupReportHeader,
    footer_note="说明：docgen plan report 生成的 Word 稿，由企业发展中心撰写执行经验和执行不足后放入 intake 文件夹，"
    "docgen 按报告期间重新汇总各单位数据，连同所写内容归档为 PDF/A（PL-3.3.3）。",
)
