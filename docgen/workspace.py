"""The workspace: one folder per office holding every other folder, and its optional ``docgen.toml``.

The repository root is the default workspace, so a fresh checkout runs as it is. ``--workspace DIR``
or ``DOCGEN_WORKSPACE`` selects another. Settings are validated; an unknown key is an error naming
the key, because a misspelt key silently ignored is a setting nobody has.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docgen.errors import DocgenError
from docgen.forms.register import CATEGORIES, DEPARTMENTS
from docgen.plan_catalogue import PlanSettings
from docgen.procedures.satisfaction import DEFAULT_ITEMS
from docgen.procedures.workdays import WORKSPACE_FILE_NAME, WorkCalendar

CONFIG_NAME = "docgen.toml"
FOLDERS = ("forms", "templates", "intake", "outbox", "archive", "rejected", "var")


class WorkspaceError(DocgenError):
    """A set-up problem the user must fix; the message is for people."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(Strict):
    forms: str = "forms"
    templates: str = "templates"
    intake: str = "intake"
    outbox: str = "outbox"
    archive: str = "archive"
    rejected: str = "rejected"
    var: str = "var"
    # Every folder lies inside the workspace, unless this says why not (for example: the workspace is a
    # network share, and var/, which holds the ledger, must be on a local disk).
    outside_workspace_reason: str | None = None
    # Mode of every file docgen writes ("0640": group may read); unset, the umask decides (0644 under 022).
    file_mode: str | None = None

    @field_validator("file_mode", mode="before")
    @classmethod
    def _octal_mode(cls, value: object) -> str | None:
        if value is None:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            # Parsed TOML cannot tell 0o644 from 420 (which would silently mean 0644): a string only.
            raise ValueError(f'{value} 是整数；请写成字符串，例如 file_mode = "0640"')
        text = str(value).strip().removeprefix("0o")
        if not (isinstance(value, str) and 3 <= len(text) <= 4 and all(c in "01234567" for c in text)):
            raise ValueError(f'“{value}”不是八进制权限，应写成带引号的 "0640" 或 "0644"')
        mode = int(text, 8)
        if mode & ~0o666 or mode & 0o600 != 0o600:
            raise ValueError(f"“{value}”无效：文件权限只能是读写位（如 0640、0644），且 docgen 自己必须能读写（6xx）")
        return f"0{mode:03o}"


class Numbering(Strict):
    # CS-3.4.3: every complaint gets the unified number (统一编号).
    complaint: str = "KF-{year}-{seq:05d}"
    work_order_a: str = "PG-A-{year}-{seq:05d}"  # CS-3.5.1 class A: warranty
    work_order_b: str = "PG-B-{year}-{seq:05d}"  # CS-3.5.1 class B: outside warranty, borne by the company
    survey: str = "MY-{year}-{seq:03d}"  # CS-3.7.5.5: a 《客户满意度调查表》 (one per community and survey)
    nonconformity: str = "BHG-{year}-{seq:04d}"  # NC-5.1: a 《纠正措施记录》

    @field_validator("complaint", "work_order_a", "work_order_b", "survey", "nonconformity")
    @classmethod
    def _a_pattern(cls, value: str) -> str:
        # Checked at start: a pattern without {seq}, or one that makes a path ("../../{seq}"), breaks later.
        from docgen.ledger import NumberFormat

        NumberFormat(value)
        return value


class Repair(Strict):
    # CS-3.5.6 says both "2万元以下" (客户服务部) and "2万元以上" (审计核算部) about exactly 20,000.
    exactly_20000_audited_by: Literal["审计核算部", "客户服务部"] = "审计核算部"
    # CS-3.6: revolving funds; CS-3.5.9: quality deposits (工程质量保证金) per contractor, in yuan.
    funds: dict[str, Decimal] = Field(
        default_factory=lambda: {"客户服务部": Decimal("100000"), "客户服务维修队": Decimal("100000")}
    )
    deposits: dict[str, Decimal] = Field(default_factory=dict)
    # Which revolving fund carries a settled repair until 财务计统部 pays it back, by work-order class.
    fund_by_class: dict[str, str] = Field(default_factory=lambda: {"A": "客户服务维修队", "B": "客户服务维修队"})
    # CS-3.6.2: the day each contractor's warranty period (保修期) ends, when its final payment is weighed.
    warranty_ends: dict[str, date] = Field(default_factory=dict)

    @field_validator("fund_by_class")
    @classmethod
    def _known_funds(cls, value: dict[str, str], info) -> dict[str, str]:
        funds = info.data.get("funds", {})
        for order_class, fund in value.items():
            if order_class not in ("A", "B") or fund not in funds:
                raise ValueError(f"“{order_class} = {fund}”无效；类别应为 A 或 B，周转金应为：{'、'.join(funds)}")
        return value


class Ratings(Strict):
    """CS-3.5.10: the service incentive bonus (服务激励奖金) set at the quarter or year end, in yuan per repair
    of the repair team; printed in the sheet as the rule that produced its figures (docgen/reports/ratings.py)."""

    reward_satisfied: Decimal = Field(Decimal("50"), ge=0, decimal_places=2)  # on time and 满意
    reward_fairly_satisfied: Decimal = Field(Decimal("20"), ge=0, decimal_places=2)  # on time and 基本满意
    deduction_unsatisfied: Decimal = Field(Decimal("50"), ge=0, decimal_places=2)  # 不满意
    deduction_overdue: Decimal = Field(Decimal("30"), ge=0, decimal_places=2)  # completed late (CS-3.4.5)
    leader_share: Decimal = Field(Decimal("0.20"), ge=0, le=1, decimal_places=4)  # of the team's net amount
    floor_at_zero: bool = True  # a person's bonus is never negative: deductions reach the rewards, no further


class Workdays(Strict):
    cutoff: time = time(17, 30)  # received at or after this time counts from the next working day
    calendar_file: str = "calendar.toml"
    timezone: str = "Asia/Shanghai"  # "today" is the office's day, whatever the server's clock says

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知的时区“{value}”，例如 Asia/Shanghai") from None
        return value


# Numbers are numbers: ``survey_workdays = true`` is refused, not read as 1 (nor "3" as 3).
class Deadlines(Strict):
    feedback_workdays: int = Field(3, ge=0, strict=True)  # CS-3.4.2.2
    survey_workdays: int = Field(1, ge=0, strict=True)  # CS-3.4.5
    other_complaint_days: int = Field(7, ge=1, strict=True)  # CS-3.4.5 其他投诉事件宜在一周内解决 (calendar days)


def _default_routing() -> dict[str, str]:
    # CS-3.4.2 names a responsible department per complaint; defaults from the duties in section 2,
    # NC-3.2.4 (sales service → 经营销售部) and NC-3.2.5 (after handover: repairs by 客户服务部 and
    # its repair team, construction quality through 工程材料部).
    return {
        "维修": "客户服务部",
        "设计": "设计研发部",
        "施工质量": "工程材料部",
        "销售服务": "经营销售部",
        "物业服务": "物业公司",
        "其他": "客户服务部",
    }


class Routing(Strict):
    departments: dict[str, str] = Field(default_factory=_default_routing)  # 投诉类别 → 责任部门
    repair_categories: tuple[str, ...] = ("维修",)  # categories that need a site survey (CS-3.4.5)
    repair_team: str = "客户服务维修队"
    offices: dict[str, str] = Field(default_factory=dict)  # 项目/小区 → 客户服务处 (default: 项目+客户服务处)

    @field_validator("departments")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        for category, department in value.items():
            if category not in CATEGORIES:
                raise ValueError(f"未知的投诉类别“{category}”；应为：{'、'.join(CATEGORIES)}")
            if department not in DEPARTMENTS:
                raise ValueError(f"未知的责任部门“{department}”；应为：{'、'.join(DEPARTMENTS)}")
        missing = set(CATEGORIES) - set(value)
        if missing:
            raise ValueError(f"缺少以下投诉类别的责任部门：{'、'.join(sorted(missing))}")
        return value

    def office_for(self, project: str) -> str:
        return self.offices.get(project) or f"{project}客户服务处"


class Escalation(Strict):
    recipients: tuple[str, ...] = ("总经理", "副总经理")  # CS-3.4.7
    # CS-3.4.7 / CS-2.1.2 "及时拟定处理措施": working days to return the 《重大投诉处理措施单》 after the report.
    measures_workdays: int = Field(1, ge=0, strict=True)


class ProductUsage(Strict):
    """CS-3.7.3: the 《产品使用情况表》 the property company fills once a community's equipment has run a year."""

    owner: str = "工程材料部"  # receives the summary; owns each 异常 line as a tracked item
    # Working days 工程材料部 has to deal with an 异常 line (a tracked item's 完成期限).
    issue_workdays: int = Field(15, ge=1, strict=True)
    # A form filled more than this many days before or after the first anniversary of 设备启用日期 gets a
    # warning citing CS-3.7.3 ("设备运行满一年").
    window_days: int = Field(60, ge=0, strict=True)


class EarlyWarnings(Strict):
    """CS-3.7.4 "对于可能出现的重大投诉事件，必须及时提出预警信息": the patterns flagged as soon as they appear,
    each counted over the last N calendar days up to today (docgen.reports.early_warnings)."""

    building_days: int = Field(30, ge=1, strict=True)  # complaints from one building …
    building_complaints: int = Field(3, ge=2, strict=True)  # … at least this many within building_days
    callback_days: int = Field(30, ge=1, strict=True)  # callbacks rated 不满意 in one project …
    callback_unsatisfied: int = Field(2, ge=2, strict=True)  # … at least this many within callback_days
    survey_days: int = Field(90, ge=1, strict=True)  # 不满意 answers of the satisfaction survey in one project …
    survey_unsatisfied: int = Field(3, ge=2, strict=True)  # … at least this many within survey_days


class Suppliers(Strict):
    """NC-3.2.2 A: the 《合格供应商名录》 (qualified-supplier list) as approved; a serious 甲供 material
    nonconformity strikes its supplier off (docgen.suppliers), marked with the record that caused it."""

    approved: tuple[str, ...] = ()

    @field_validator("approved")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = [" ".join(str(name).split()) for name in value]
        if any(not name for name in names) or len(set(names)) != len(names):
            raise ValueError("合格供应商名称不能为空或重复")
        return tuple(names)


class Nonconformity(Strict):
    """NC-3.2.3 C "频繁出现的带有一定规律性的质量问题": the same category and defect type in one project, or with
    one supplier or contractor, at least ``recurrence_count`` times within ``recurrence_months`` months asks for
    a special study (docgen.recurrence)."""

    recurrence_count: int = Field(3, ge=2, strict=True)
    recurrence_months: int = Field(3, ge=1, le=36, strict=True)
    # A record sent to its department (from the form, a register's complaint, a 《客户信息征询表》) is owed back
    # with its correction and corrective action within this many working days of the day it is sent (NC-2.3 says
    # only 及时: 5 is docgen's choice), tracked from that day as an ``action-<seq>``.
    reply_workdays: int = Field(5, ge=1, le=60, strict=True)


class Project(Strict):
    """One community (项目/小区) as the register names it. CS-3.10.1: in the first year after its delivery
    (交付) its service office holds a weekly complaint coordination meeting."""

    delivered: date | None = None  # 交付日期; unknown when absent
    # CS-3.7.5: the community's households (总户数), delivered (已交付) and occupied (已入住) households, until the
    # property company's 《入住情况表》 gives them with the room list (docgen.steps.occupancy; the latest holds).
    households: int | None = Field(None, ge=0, strict=True)
    delivered_households: int | None = Field(None, ge=0, strict=True)
    occupied: int | None = Field(None, ge=0, strict=True)

    @field_validator("delivered", mode="before")
    @classmethod
    def _a_date(cls, value):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"交付日期“{value}”应写成 2026-03-01") from None
        if value is not None and not isinstance(value, date):  # 20260301 would be read as a Unix time
            raise ValueError(f"交付日期“{value}”应写成 2026-03-01")
        return value


class Survey(Strict):
    """CS-3.7.5 … 3.7.5.9: the customer satisfaction survey (《客户满意度调查表》, docgen.steps.survey)."""

    # The items rated on the five-level scale: any of the form's six columns (房屋质量 … 总体评价), and up to two
    # items of the survey's own (自选项目一/二, CS-3.7.5.5 "调查内容根据不同阶段或不同工作对内容作适当调整").
    items: tuple[str, ...] = DEFAULT_ITEMS
    # An annual survey draws this share of the occupied households at random (CS-3.7.5.2: 10–25 %).
    annual_sample: Decimal = Field(Decimal("0.15"), ge=Decimal("0.10"), le=Decimal("0.25"))
    # The customer-service manager re-visits every seriously dissatisfied household within this many working days
    # of the survey's recording (CS-3.7.5.9).
    revisit_workdays: int = Field(5, ge=1, strict=True)
    revisit_owner: str = "客户服务部经理"

    @field_validator("items")
    @classmethod
    def _known_items(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        own = [item for item in value if item not in DEFAULT_ITEMS]
        if not value or len(own) > 2 or len(set(value)) != len(value) or any(not item.strip() for item in value):
            raise ValueError(f"评价项目应从 {'、'.join(DEFAULT_ITEMS)} 中选取，另可自定 2 项以内，且不能重复或为空")
        return value


class Watch(Strict):
    poll_seconds: float | None = Field(None, strict=True)  # None: inotify; a number: poll (network shares)
    # Unchanged (size, mtime, inode) this long after the last write → complete, even after a close: a
    # program may write one file in several open–write–close passes (0.5 s apart was seen).
    settle_seconds: float = Field(1.0, ge=0, strict=True)
    rescan_seconds: float = Field(60, gt=0, strict=True)


class Limits(Strict):
    max_file_mb: float = Field(20, gt=0, strict=True)
    max_seconds: float = Field(20, gt=0, strict=True)


class LedgerSettings(Strict):
    """Where the ledger lives (issue 15). Unset: the SQLite file var/ledger.sqlite3 of this workspace. A
    ``postgresql://`` URL: one PostgreSQL ledger shared by several offices' workspaces, each running its own
    ``docgen watch`` (README "Several offices"). The password belongs in ~/.pgpass, not in this file."""

    url: str | None = None

    @field_validator("url")
    @classmethod
    def _postgresql(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                f"“{value}”不是 PostgreSQL 地址；应写成 postgresql://用户@服务器/数据库，不设则使用本机 SQLite 台账"
            )
        return value


class Forms(Strict):
    # Paper the blank forms in forms/ print on, fitted to one page wide (issue 11): "A3" prints the register at
    # full size; on "A4" it is shrunk to about 83 %, no text under 9 pt.
    paper: Literal["A4", "A3"] = "A4"


class Settings(Strict):
    paths: Paths = Paths()
    numbering: Numbering = Numbering()
    workdays: Workdays = Workdays()
    deadlines: Deadlines = Deadlines()
    routing: Routing = Routing()
    escalation: Escalation = Escalation()
    repair: Repair = Repair()
    ratings: Ratings = Ratings()
    watch: Watch = Watch()
    limits: Limits = Limits()
    forms: Forms = Forms()
    survey: Survey = Survey()  # CS-3.7.5
    product_usage: ProductUsage = ProductUsage()  # CS-3.7.3
    warnings: EarlyWarnings = EarlyWarnings()  # CS-3.7.4
    suppliers: Suppliers = Suppliers()  # NC-3.2.2 A
    nonconformity: Nonconformity = Nonconformity()  # NC-3.2.3 C
    ledger: LedgerSettings = LedgerSettings()  # issue 15: SQLite by default, or one PostgreSQL ledger for all offices
    plan: PlanSettings = Field(default_factory=PlanSettings)  # 《计划管理程序》 PL-2.1.3, PL-3.2.3
    projects: dict[str, Project] = Field(default_factory=dict)  # 项目/小区 → its delivery date (CS-3.10.1)


def _explain(invalid: ValidationError, source: Path) -> str:
    lines = [f"配置文件 {source} 有误："]
    for item in invalid.errors():
        key = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            lines.append(f"  未知的设置项 “{key}”（unknown key）")
        else:
            lines.append(f"  “{key}”：{item['msg']}")
    return "\n".join(lines)


def load_settings(root: Path) -> Settings:
    source = root / CONFIG_NAME
    if not source.exists():
        return Settings()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as broken:
        raise WorkspaceError(f"配置文件 {source} 无法解析：{broken}") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as invalid:
        raise WorkspaceError(_explain(invalid, source)) from None


def _network_filesystem(path: Path) -> str | None:
    """The filesystem type when ``path`` lies on a network share (SQLite locking is unsafe there)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = path.resolve()
    best, kind = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and (str(target) + "/").startswith(parts[1].rstrip("/") + "/") and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    network = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "sshfs", "fuse.sshfs", "9p", "afs", "davfs", "fuse.davfs2"}
    return kind if kind in network else None


# The folders that must not coincide: the watcher reads intake/, everything else is written.
_DISTINCT = ("intake", "outbox", "archive", "rejected", "var")
HEAD_FILE = "ledger-head.json"


def _check_paths(root: Path, paths: Paths) -> None:
    """Every folder inside the workspace (unless ``outside_workspace_reason`` says why), none of them
    the workspace itself, and the written folders distinct from intake/ and from each other."""
    base = root.resolve()
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for name in FOLDERS:
        value = getattr(paths, name)
        try:
            # A NUL ("\u0000" in TOML) or another control character is no folder name; resolve() raised
            # "embedded null byte" from under every command.
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValueError("control character")
            target = (base / value).resolve()
        except (ValueError, OSError, RuntimeError):
            shown = "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 else c for c in value)
            problems.append(
                f"  [paths] {name} = “{shown}” 不是有效的文件夹名（含有空字符或控制字符）；"
                f"请改成工作区内的一个文件夹名，如 “{name}”"
            )
            continue
        if target == base:
            problems.append(f"  [paths] {name} = “{value}” 是工作区本身；请填写工作区内的一个文件夹名，如 “{name}”")
            continue
        if not target.is_relative_to(base) and not (paths.outside_workspace_reason or "").strip():
            problems.append(
                f"  [paths] {name} = “{value}” 在工作区 {base} 之外（{target}）。各文件夹应位于工作区之内；"
                '如确需放在工作区外，请在 [paths] 中用 outside_workspace_reason = "…" 写明原因'
            )
        if name in _DISTINCT:
            for other, where in seen.items():
                nested = "intake" in (name, other) and (target.is_relative_to(where) or where.is_relative_to(target))
                if target == where or nested:
                    problems.append(f"  [paths] {name} 与 {other} 是同一个文件夹或互相包含（{target}）；请分开设置")
            seen[name] = target
    if problems:
        raise WorkspaceError(f"配置文件 {base / CONFIG_NAME} 的 [paths] 有误：\n" + "\n".join(problems))


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings

    def __post_init__(self) -> None:
        _check_paths(self.root, self.settings.paths)

    @classmethod
    def open(cls, root: Path | None = None) -> "Workspace":
        chosen = root or (Path(os.environ["DOCGEN_WORKSPACE"]) if os.environ.get("DOCGEN_WORKSPACE") else None)
        chosen = (chosen or default_root()).resolve()
        if not chosen.is_dir():
            raise WorkspaceError(f"工作区 {chosen} 不存在；可用 docgen init {chosen} 创建")
        return cls(chosen, load_settings(chosen))

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.settings.workdays.timezone)).date()

    def open_ledger(self):
        """The workspace's ledger, stamping events in the workspace's time zone (the offices' day), its
        head anchored in ``head_files``."""
        from docgen.ledger import Ledger

        numbering = self.settings.numbering
        ledger = Ledger(
            self.ledger_path,
            timezone=self.settings.workdays.timezone,
            anchors=self.head_files,
            numberings=(numbering.complaint, numbering.work_order_a, numbering.work_order_b),
            url=self.settings.ledger.url,
        )
        from docgen.cases import PROJECTION  # case_state kept with every transaction (issue 15)

        ledger.use_projection(PROJECTION)
        return ledger

    def has_ledger(self) -> bool:
        """A PostgreSQL ledger is configured, or the SQLite file exists (``verify`` does not create one)."""
        return bool(self.settings.ledger.url) or self.ledger_path.exists()

    @property
    def head_files(self) -> tuple[Path, Path]:
        """Where the ledger's newest position and hash are kept outside the database (``verify``)."""
        return self.var / HEAD_FILE, self.archive / HEAD_FILE

    def folder(self, name: str) -> Path:
        return self.root / getattr(self.settings.paths, name)

    intake = property(lambda self: self.folder("intake"))
    outbox = property(lambda self: self.folder("outbox"))
    archive = property(lambda self: self.folder("archive"))
    rejected = property(lambda self: self.folder("rejected"))
    var = property(lambda self: self.folder("var"))
    forms = property(lambda self: self.folder("forms"))
    templates = property(lambda self: self.folder("templates"))

    @property
    def spool(self) -> Path:
        return self.var / "spool"

    @property
    def ledger_path(self) -> Path:
        return self.var / "ledger.sqlite3"

    def ensure_folders(self) -> None:
        for name in FOLDERS:
            self.folder(name).mkdir(parents=True, exist_ok=True)
        self.spool.mkdir(parents=True, exist_ok=True)

    def check_local_var(self) -> None:
        kind = _network_filesystem(self.var if self.var.exists() else self.root)
        if kind:
            raise WorkspaceError(
                f"{self.var} 位于网络文件系统（{kind}）上；台账数据库必须放在本机磁盘。"
                f"请在 {CONFIG_NAME} 的 [paths] var 中指定本地目录（在工作区之外时，"
                "同时用 outside_workspace_reason 写明原因）"
            )

    @cached_property
    def calendar(self):
        """The working-day calendar. The default ``calendar.toml`` is optional; a file named in
        ``[workdays] calendar_file`` must exist (its absence is a load error)."""
        name = self.settings.workdays.calendar_file
        extra = self.root / name
        named = name != WORKSPACE_FILE_NAME
        return WorkCalendar(extra if extra.exists() or named else None, cutoff=self.settings.workdays.cutoff)

    def check_ledger_head(self) -> None:
        """Refuse to start (``process``, ``watch``) on a ledger cut short or rewritten behind docgen's back:
        going on would issue numbers and positions a second time, and quote them in receipts."""
        ledger = self.open_ledger()
        try:
            # A kill between a commit and the writing of its head files leaves them missing or behind: that
            # is no tampering, so they are brought up to the database first. A head file ahead of the
            # database, or naming another hash, is never moved by this: that is what stops the start.
            ledger.anchor()
            problems = ledger.head_problems()
        finally:
            ledger.close()
        if problems:
            raise WorkspaceError(
                "台账与台账头文件不符，已停止受理（请先运行 docgen verify 查看）：\n"
                + "\n".join(f"  {p}" for p in problems)
            )

    def check_calendar(self) -> None:
        """Refuse to start (``process``, ``watch``) on a calendar file with errors: a year silently
        dropped would shift deadlines without anyone noticing."""
        errors = self.calendar.load_errors
        if errors:
            raise WorkspaceError(
                f"工作日历文件 {self.calendar.extra_file} 有误，请修改后再启动"
                "（可用 docgen calendar 检查）：\n" + "\n".join(f"  {e}" for e in errors)
            )


def default_root() -> Path:
    """The repository root when running from a checkout, else the current directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists() and (here / "docgen").is_dir():
        return here
    return Path.cwd()


def init_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(root.resolve(), load_settings(root))
    workspace.ensure_folders()
    return workspace
