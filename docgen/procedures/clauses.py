"""How the clauses of the procedures (``CLAUSES.md``) are cited in documents."""


def cite(clause: str) -> str:
    """How a clause is cited in documents: 《客户服务管理程序》第3.4.5条（CS-3.4.5）."""
    prefix, _, number = clause.partition("-")
    procedure = {"CS": "客户服务管理程序", "NC": "不合格品控制程序", "PL": "计划管理程序"}[prefix]
    return f"《{procedure}》第{number}条（{clause}）"
