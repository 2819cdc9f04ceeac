"""How the clauses of the procedures (``CLAUSES.md``) are cited in documents."""

PROCEDURES = {"CS": "客户服务管理程序", "NC": "不合格品控制程序", "PL": "计划管理程序"}


def procedure_of(clause: str) -> str:
    """The title of the procedure a clause id belongs to: CS-3.4.5 → 客户服务管理程序."""
    return PROCEDURES[clause.partition("-")[0]]


def cite(clause: str) -> str:
    """How a clause is cited in documents: 《客户服务管理程序》第3.4.5条（CS-3.4.5）."""
    number = clause.partition("-")[2]
    return f"《{procedure_of(clause)}》第{number}条（{clause}）"
