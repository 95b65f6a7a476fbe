"""Valid example data for tests."""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.domain.office import Office
from chalicelib.domain.participant import Participant

OFFICE = Office("BHXH-01", "01", "Bảo hiểm xã hội thành phố Hà Nội", "Số 1 phố minh họa, Hà Nội", "1900 9068")
OFFICE_HCM = Office("BHXH-79", "79", "Bảo hiểm xã hội Thành phố Hồ Chí Minh", "Số 2 đường minh họa", "1900 9068")

FORM: dict[str, Any] = {
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "1989-05-02",
    "gender": "male",
    "nationality": "VN",
    "bhxh_code": "0123456789",
    "id_document": {
        "type": "cccd",
        "number": "001089020747",
        "issued_on": "2021-04-01",
        "issued_by": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    },
    "phone": "0912345678",
    "email": "an.nguyen@example.vn",
    "address": "12 Trần Duy Hưng, Cầu Giấy, Hà Nội",
    "office_code": "BHXH-01",
}


def form(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(FORM)
    for key, value in changes.items():
        if key.startswith("id_"):
            data["id_document"][key[3:]] = value
        else:
            data[key] = value
    return data


def other_person() -> dict[str, Any]:
    return form(
        full_name="Trần Thị Bình",
        date_of_birth="2001-09-30",
        gender="female",
        bhxh_code="7912345678",
        id_number="079301123456",
        phone="0987654321",
        email="binh.tran@example.vn",
        office_code="BHXH-79",
    )


# The registry's records of the two example people (their declared phones match).
PARTICIPANT_AN = Participant("0123456789", "Nguyễn Văn An", "1989-05-02", "male", "001089020747", "+84912345678", "01")
PARTICIPANT_BINH = Participant(
    "7912345678", "Trần Thị Bình", "2001-09-30", "female", "079301123456", "+84987654321", "79"
)
