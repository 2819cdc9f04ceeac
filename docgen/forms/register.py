"""《来电、来访登记表》 (CS-3.4.3): one line per call or visit; each valid line becomes a case."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import BaseModel, Field

from docgen.forms.base import FormDef, Meta

CHANNELS = ("来电", "来访", "经营销售部转交", "物业公司转交", "其他")
CATEGORIES = ("维修", "设计", "施工质量", "销售服务", "物业服务", "其他")
# The customer's opinion of the result when a complaint is closed on the register (form version 2);
# 不满意 closes the case as not agreed by the customer (客户未认可).
OPINIONS = ("满意", "基本满意", "不满意")
NOT_AGREED = "不满意"
DEPARTMENTS = (
    "客户服务部",
    "工程材料部",
    "设计研发部",
    "经营销售部",
    "物业公司",
    "审计核算部",
    "财务计统部",
    "总经室",
    "外联部",
    "人力资源部",
)
# A department named to assist the responsible one (协办部门): 法律事务中心 on the legal side of a complaint
# (CS-2.1.3), or any department (CS-2.3 … 2.5 配合客户服务部). It receives a 转办单 too.
LEGAL = "法律事务中心"
ASSISTING = (LEGAL, *DEPARTMENTS)


class RegisterHeader(BaseModel):
    office: Annotated[str | None, Meta(width=24, hint="填写受理的客户服务部或客户服务处")] = Field(
        None, title="受理单位"
    )
    clerk: Annotated[str | None, Meta(width=12, label_synonyms=("登记人",))] = Field(None, title="资料员")


class RegisterLine(BaseModel):
    # Widths (issue 11): 172.5 units in all, so the register prints one page wide on A4 landscape at 9 pt or
    # more (``office.xlsx.print_scale``); longer text wraps, each row two lines high.
    number: Annotated[
        str | None,
        Meta(
            kind="number",
            width=9.5,
            filled_by_tool=True,
            label_synonyms=("统一编号", "编号"),
            hint="由系统统一编号，可不填",
        ),
    ] = Field(None, title="登记编号")
    received_date: Annotated[
        date,
        Meta(
            kind="date",
            width=10.5,
            label_synonyms=("日期", "来电日期", "受理日期时间"),
            hint="如 2026-11-03 或 2026年11月3日",
        ),
    ] = Field(title="受理日期")
    received_time: Annotated[time | None, Meta(kind="time", width=6, label_synonyms=("时间",), hint="如 9:30")] = Field(
        None, title="受理时间"
    )
    channel: Annotated[
        str,
        Meta(
            kind="choice",
            choices=CHANNELS,
            width=9,
            label_synonyms=("来源", "渠道"),
            value_synonyms={
                "电话": "来电",
                "热线": "来电",
                "投诉热线": "来电",
                "上门": "来访",
                "销售转交": "经营销售部转交",
                "经营销售部": "经营销售部转交",
                "物业转交": "物业公司转交",
                "物业公司": "物业公司转交",
            },
        ),
    ] = Field(title="来源渠道")
    customer: Annotated[str, Meta(width=9, label_synonyms=("客户", "业主姓名", "姓名"))] = Field(title="客户姓名")
    phone: Annotated[str, Meta(kind="phone", width=13, label_synonyms=("电话", "联系方式"))] = Field(title="联系电话")
    project: Annotated[str, Meta(width=10, label_synonyms=("项目", "小区", "项目名称"))] = Field(title="项目/小区")
    building: Annotated[str | None, Meta(width=5, label_synonyms=("楼号", "栋"))] = Field(None, title="楼栋")
    room: Annotated[str | None, Meta(width=5, label_synonyms=("房间号", "室"))] = Field(None, title="房号")
    content: Annotated[str, Meta(width=11, label_synonyms=("投诉内容", "来电来访内容", "内容"))] = Field(
        title="投诉/来访内容"
    )
    category: Annotated[
        str,
        Meta(
            kind="choice",
            choices=CATEGORIES,
            width=5,
            label_synonyms=("类别", "分类"),
            value_synonyms={
                "报修": "维修",
                "质量": "施工质量",
                "工程质量": "施工质量",
                "销售": "销售服务",
                "物业": "物业服务",
            },
        ),
    ] = Field(title="投诉类别")
    major: Annotated[
        bool,
        Meta(
            kind="yesno",
            choices=("是", "否"),
            width=5,
            label_synonyms=("重大投诉",),
            hint="重大投诉填“是”，将立即上报总经理、副总经理（CS-3.4.7）；空白视为“否”",
        ),
    ] = Field(False, title="是否重大投诉")
    receiver: Annotated[str, Meta(width=7, label_synonyms=("接待人员", "受理人", "接听人"))] = Field(title="接待人")
    department: Annotated[
        str | None,
        Meta(kind="choice", choices=DEPARTMENTS, width=9, filled_by_tool=True, hint="可不填，系统按类别确定责任部门"),
    ] = Field(None, title="责任部门")
    feedback_due: Annotated[
        str | None, Meta(width=9, filled_by_tool=True, hint="由系统填写：责任部门反馈期限（CS-3.4.2.2）")
    ] = Field(None, title="反馈期限")
    progress: Annotated[
        str | None,
        Meta(width=9, label_synonyms=("处理过程", "处理情况"), hint="未能处理的问题在此注明处理过程（CS-3.4.4）"),
    ] = Field(None, title="处理进展")
    # Form version 2 (CS-3.4.4, CS-3.4.5): the result and the closing of a complaint other than a repair
    # (a repair closes with its 《维修工程结算书》). Optional, so a version-1 register still reads.
    result: Annotated[
        str | None,
        Meta(width=9, label_synonyms=("处理结果说明",), hint="办结时填写处理结果（CS-3.4.4）"),
    ] = Field(None, title="处理结果")
    closed_date: Annotated[
        date | None,
        Meta(
            kind="date",
            width=10.5,
            label_synonyms=("办结时间", "结案日期"),
            hint="非维修类投诉处理完毕之日；维修类投诉由《维修工程结算书》办结，此处留空",
        ),
    ] = Field(None, title="办结日期")
    opinion: Annotated[
        str | None,
        Meta(
            kind="choice",
            choices=OPINIONS,
            width=5,
            label_synonyms=("客户评价", "客户反馈"),
            value_synonyms={"认可": "满意", "同意": "满意", "不认可": "不满意", "不同意": "不满意"},
            hint="办结时客户对处理结果的意见；“不满意”按客户未认可办结",
        ),
    ] = Field(None, title="客户意见")
    # Form version 3: a department assisting on the complaint (CS-2.1.3) and the responsible department's
    # designated handler (CS-3.4.2.1). Optional, so versions 1 and 2 still read.
    assisting: Annotated[
        str | None,
        Meta(
            kind="choice",
            choices=ASSISTING,
            width=9,
            label_synonyms=("协助部门", "协办单位"),
            value_synonyms={"法律事务部": LEGAL, "法务": LEGAL, "法务部": LEGAL, "法律中心": LEGAL},
            hint="需要协助处理的部门，如涉及法律事务的填“法律事务中心”（CS-2.1.3）；该部门同时收到转办单",
        ),
    ] = Field(None, title="协办部门")
    handler: Annotated[
        str | None,
        Meta(
            width=7,
            label_synonyms=("承办人员", "处理人", "专门处理人员"),
            hint="责任部门指定的专门处理人员（CS-3.4.2.1），由责任部门填写后交回",
        ),
    ] = Field(None, title="承办人")


REGISTER = FormDef(
    form_id="CS-REG",
    version=3,
    # version 1 (without 处理结果, 办结日期, 客户意见) and 2 (without 协办部门, 承办人) are still in circulation and read
    accepts=(1, 2),
    title="来电、来访登记表",
    sheet_title="登记表",
    clause="CS-3.4.3",
    header_model=RegisterHeader,
    line_model=RegisterLine,
    lines_key="lines",
    lines_title="登记明细",
    blank_lines=40,
    landscape=True,
    footer_note="说明：每一来电或来访填写一行；登记编号由系统统一编号（CS-3.4.3）；“是否重大投诉”填“是”的，"
    "系统立即生成上报总经理、副总经理的通知（CS-3.4.7）；非维修类投诉处理完毕后填写处理结果、办结日期和客户意见"
    "（CS-3.4.4）；责任部门在“承办人”中填写指定的专门处理人员（CS-3.4.2.1）；涉及法律事务的，“协办部门”填“法律事务中心”"
    "（CS-2.1.3）。",
)
