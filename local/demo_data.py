"""Demo data for the local stack: one provincial office per province, and a
deterministic slice of the participant registry (fictional people)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from chalicelib.domain.office import Office
from chalicelib.domain.participant import PARTICIPANT_COLUMNS
from chalicelib.domain.provinces import CCCD_PROVINCE_PREFIXES, PROVINCES

PARTICIPANTS_CSV = Path(__file__).resolve().parent / "demo-participants.csv"

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quang", "Hữu"], "female": ["Thị", "Ngọc", "Thu", "Thanh", "Mai"]}
GIVEN = {
    "male": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tùng"],
    "female": ["Anh", "Châu", "Dung", "Giang", "Hà", "Hằng", "Lan", "Linh", "Nga", "Phương", "Thảo", "Trang", "Yến"],
}
MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "86", "88", "89", "32", "35", "70", "77", "83"]


def demo_offices() -> list[Office]:
    offices = []
    for code, name in PROVINCES.items():
        place = name[0].lower() + name[1:]
        offices.append(
            Office(
                office_code=f"BHXH-{code}",
                province_code=code,
                name=f"Bảo hiểm xã hội {place}",
                address=f"Trụ sở BHXH {place} (địa chỉ minh họa cho môi trường thử nghiệm)",
                phone="1900 9068",
            )
        )
    return offices


def _mobile(rng: random.Random) -> str:
    import phonenumbers

    while True:
        candidate = f"+84{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        parsed = phonenumbers.parse(candidate)
        if (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        ):
            return candidate


def demo_participants(count: int = 60, seed: int = 2659) -> list[dict[str, str]]:
    rng = random.Random(seed)
    prefixes = sorted(CCCD_PROVINCE_PREFIXES)
    provinces = sorted(PROVINCES)
    people = []
    for index in range(count):
        gender = "male" if index % 2 == 0 else "female"
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        century_gender = (born.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
        cccd = f"{rng.choice(prefixes)}{century_gender}{born.year % 100:02d}{rng.randrange(10**6):06d}"
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        province = provinces[index % len(provinces)]
        people.append(
            {
                "bhxh_code": f"{province}{rng.randrange(10**8):08d}",
                "full_name": name,
                "date_of_birth": born.isoformat(),
                "gender": gender,
                "id_number": cccd,
                "phone": _mobile(rng),
                "province_code": province,
            }
        )
    return people


def write_csv(path: Path = PARTICIPANTS_CSV, count: int = 60) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(PARTICIPANT_COLUMNS))
        writer.writeheader()
        writer.writerows(demo_participants(count))
    return path


if __name__ == "__main__":
    print(write_csv())


CENTRAL_UNITS = {
    "VP-BHXH": "Văn phòng Bảo hiểm xã hội Việt Nam",
    "TTCNTT": "Trung tâm Công nghệ thông tin",
}


def demo_units(deadline: date) -> list[dict[str, str]]:
    """Every provincial office and two central units, all due on ``deadline``."""
    units = [
        {"unit_code": o.office_code, "name": o.name, "province_code": o.province_code, "deadline": deadline.isoformat()}
        for o in demo_offices()
    ]
    units += [
        {"unit_code": code, "name": name, "province_code": "", "deadline": deadline.isoformat()}
        for code, name in CENTRAL_UNITS.items()
    ]
    return units


def demo_roster(participants: list[dict[str, str]], staff: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Each demo participant in their province's office; ``staff`` as (unit, bhxh code, name)."""
    rows = [
        {"unit_code": f"BHXH-{p['province_code']}", "bhxh_code": p["bhxh_code"], "full_name": p["full_name"]}
        for p in participants
    ]
    rows += [{"unit_code": unit, "bhxh_code": code, "full_name": name} for unit, code, name in staff]
    return rows
