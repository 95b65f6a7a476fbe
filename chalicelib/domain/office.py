"""A BHXH office (its counter): where dossiers are received and decided."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Office:
    office_code: str
    province_code: str
    name: str
    address: str
    phone: str

    def to_dict(self) -> dict[str, str]:
        return {
            "office_code": self.office_code,
            "province_code": self.province_code,
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
        }
