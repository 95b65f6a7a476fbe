"""Figures, their targets, and how they are printed and saved."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass(frozen=True)
class Target:
    op: Literal["<=", ">=", "between"]
    value: float
    high: float | None = None  # "between": value <= figure <= high

    def met(self, value: float) -> bool:
        if self.op == "between":
            assert self.high is not None
            return self.value <= value <= self.high
        return value <= self.value if self.op == "<=" else value >= self.value

    def __str__(self) -> str:
        if self.op == "between":
            return f"between {self.value:g} and {self.high:g}"
        return f"{self.op} {self.value:g}"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    decimals: int = 2
    target: Target | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.target.met(self.value)

    def line(self) -> str:
        text = f"{self.name}: {self.value:.{self.decimals}f} {self.unit}"
        if self.passed is False:
            text += f" MISSED (target {self.target})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 6),
            "unit": self.unit,
            "target": str(self.target) if self.target else None,
            "target_op": self.target.op if self.target else None,
            "target_value": self.target.value if self.target else None,
            **({"target_high": self.target.high} if self.target and self.target.high is not None else {}),
            "passed": self.passed,
            "details": self.details,
        }


def write_results(path: Path, figures: list[Figure], meta: dict[str, Any], errors: list[dict[str, str]]) -> None:
    data = {**meta, "figures": [figure.to_json() for figure in figures], "errors": errors}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the figures."""
    import sys

    print(f"[bench] {message}", file=sys.stderr, flush=True)
