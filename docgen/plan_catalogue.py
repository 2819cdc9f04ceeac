"""The plan-indicator catalogue (计划指标目录) of 《计划管理程序》 (PL-2.1.3: 企业发展中心 unifies the indicators of every
department and branch and the form of their reports), as settings: ``Settings.plan``.

Each indicator has a unit, a direction (higher or lower is better), how its quarters add up, and two thresholds: a
deviation of ``reason_pct`` per cent of plan either way needs a written reason on the execution report (PL-3.4.1);
an adverse one of ``warn_pct`` per cent raises a 《计划预警通知》 (PL-3.3.4, PL-3.4.2). Each department and branch owns
the indicators PL-3.2.3.1 … 3.2.3.6 give it. The defaults are ``docgen/data/plan-catalogue.toml``; ``[plan]`` in
docgen.toml overrides any part (``[[plan.indicators]]`` and ``[[plan.units]]`` replace the lists whole).

A leaf of the foundation: it imports nothing from docgen (``workspace`` imports it).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Direction = Literal["higher", "lower"]  # higher is better (sales) / lower is better (expenses)
Aggregate = Literal["sum", "level"]  # quarterly values add up (amounts) / a rate or level (%)
UnitKind = Literal["department", "branch"]

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "plan-catalogue.toml"
DIRECTION_TEXT = {"higher": "越高越好", "lower": "越低越好"}
AGGREGATE_TEXT = {"sum": "季度累加", "level": "水平值（比率）"}
KIND_TEXT = {"department": "部门", "branch": "分支机构"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Frozen):
    """One plan indicator (计划指标)."""

    code: str = Field(min_length=1, max_length=20)  # 指标编码
    name: str = Field(min_length=1, max_length=40)  # 指标名称
    unit: str = Field(min_length=1, max_length=12)  # 计量单位
    direction: Direction
    aggregate: Aggregate
    warn_pct: float = Field(gt=0, le=1000)  # adverse deviation ≥ this % → 预警 (PL-3.3.4, PL-3.4.2)
    reason_pct: float = Field(gt=0, le=1000)  # |deviation| ≥ this % → written reason required (PL-3.4.1)
    clause: str = "PL-3.2.3"  # the PL-3.2.3.x clause that gives it to its owners

    @property
    def label(self) -> str:
        """``销售金额（万元）``: how forms and reports name it."""
        return f"{self.name}（{self.unit}）"


class PlanUnit(_Frozen):
    """A department (部门) or branch (分支机构) that reports its plan execution, and the indicators it owns."""

    name: str = Field(min_length=1, max_length=30)
    kind: UnitKind
    indicators: tuple[str, ...]

    @property
    def is_branch(self) -> bool:
        return self.kind == "branch"


class AssessmentWeights(_Frozen):
    """PL-3.4.3: the weights of the quarterly and annual assessment score (printed in the sheet)."""

    timeliness: float = Field(20, ge=0)
    completeness: float = Field(20, ge=0)
    achievement: float = Field(60, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> AssessmentWeights:
        if self.timeliness + self.completeness + self.achievement <= 0:
            raise ValueError("考核权重之和必须大于 0")
        return self


@cache
def _catalogue() -> dict[str, Any]:
    with CATALOGUE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def default_indicators() -> tuple[Indicator, ...]:
    return tuple(Indicator.model_validate(item) for item in _catalogue()["indicators"])


def default_units() -> tuple[PlanUnit, ...]:
    return tuple(PlanUnit.model_validate(item) for item in _catalogue()["units"])


class PlanSettings(_Frozen):
    """``[plan]``: the catalogue, who owns what, the assessment weights and the plan procedure's few numbers."""

    indicators: tuple[Indicator, ...] = Field(default_factory=default_indicators)
    units: tuple[PlanUnit, ...] = Field(default_factory=default_units)
    assessment: AssessmentWeights = AssessmentWeights()
    # The quarterly split of an annual "sum" target whose quarters the targets form leaves blank, in per cent.
    default_split: tuple[Decimal, Decimal, Decimal, Decimal] = (
        Decimal("25"),
        Decimal("25"),
        Decimal("25"),
        Decimal("25"),
    )
    coordinator: str = "企业发展中心"  # PL-2.1: sets the indicators, consolidates, warns, assesses
    finance: str = "财务计统部"  # PL-2.2.2, PL-3.3.2: reviews the branches' reports
    finance_review_workdays: int = Field(5, ge=1, strict=True)  # PL-3.3.2 五个工作日内
    adjustment_number: str = "JHTZ-{year}-{seq:03d}"  # a 《计划调整方案》 numbered by docgen

    @field_validator("default_split")
    @classmethod
    def _hundred(cls, value: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        if any(part < 0 for part in value) or sum(value) != 100:
            raise ValueError("default_split 是四个季度的百分比，不能为负，合计应为 100")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PlanSettings:
        codes = [indicator.code for indicator in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError(f"指标编码重复：{'、'.join(sorted({c for c in codes if codes.count(c) > 1}))}")
        names = [unit.name for unit in self.units]
        if len(set(names)) != len(names):
            raise ValueError(f"单位名称重复：{'、'.join(sorted({n for n in names if names.count(n) > 1}))}")
        for unit in self.units:
            unknown = [code for code in unit.indicators if code not in codes]
            if unknown:
                raise ValueError(f"{unit.name}的指标 {'、'.join(unknown)} 不在指标目录中")
            if len(set(unit.indicators)) != len(unit.indicators):
                raise ValueError(f"{unit.name}的指标重复")
        return self

    def indicator(self, code: str) -> Indicator:
        """The indicator of ``code`` (KeyError when the catalogue has none)."""
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def unit(self, name: str) -> PlanUnit:
        """The department or branch ``name`` (KeyError when the catalogue has none)."""
        for unit in self.units:
            if unit.name == name:
                return unit
        raise KeyError(name)

    def unit_clause(self, name: str) -> str:
        """The PL-3.2.3.x clause that gives ``name`` its indicators: the one its own indicators share (人力资源部:
        PL-3.2.3.5), else PL-3.2.3 (a branch's share, an unknown unit). What an "indicator not owned" error cites."""
        try:
            clauses = {self.indicator(code).clause for code in self.unit(name).indicators}
        except KeyError:
            return "PL-3.2.3"
        return clauses.pop() if len(clauses) == 1 else "PL-3.2.3"

    def find_indicator(self, text: str) -> Indicator | None:
        """The indicator a clerk wrote: its code, its name or its label (``销售金额（万元）``)."""
        compact = "".join(str(text).split()).replace("(", "（").replace(")", "）")
        for indicator in self.indicators:
            if compact in (indicator.code, indicator.name, indicator.label) or compact.upper() == indicator.code:
                return indicator
        return None

    @property
    def branches(self) -> tuple[PlanUnit, ...]:
        return tuple(unit for unit in self.units if unit.is_branch)

    @property
    def departments(self) -> tuple[PlanUnit, ...]:
        return tuple(unit for unit in self.units if not unit.is_branch)
