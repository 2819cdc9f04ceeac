"""Clause ids of the procedures (``CLAUSES.md``), with the short Chinese wording shown to staff."""

CLAUSES: dict[str, str] = {
    "CS-3.4.2": "客户服务部对投诉信息统一分类，分析责任部门，派专人负责，全程跟踪",
    "CS-3.4.2.2": "各相关责任部门应在接受投诉信息后的3个工作日内向客户服务部反馈投诉处理信息",
    "CS-3.4.3": "投诉信息填写入《来电、来访登记表》，统一编号，并传递到各服务处及公司责任部门",
    "CS-3.4.4": "未能处理的问题必须在《来电、来访登记表》注明处理过程进行跟踪处理",
    "CS-3.4.5": "维修工程1个工作日内现场勘察；其他投诉事件的处理时间宜在一周内解决",
    "CS-3.4.7": "重大的客户投诉必须及时上报总经理、副总经理",
    "NC-3.2.4": "销售服务质量的抱怨和投诉传递经营销售部处理、改进",
    "NC-3.2.5": "客户接楼以后由客户服务部负责接受客户投诉，保修维修通过工程材料部或公司维修队",
}


def cite(clause: str) -> str:
    """How a clause is cited in documents: 《客户服务管理程序》第3.4.5条（CS-3.4.5）."""
    prefix, _, number = clause.partition("-")
    procedure = {"CS": "客户服务管理程序", "NC": "不合格品控制程序", "PL": "计划管理程序"}[prefix]
    return f"《{procedure}》第{number}条（{clause}）"
