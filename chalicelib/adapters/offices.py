"""DynamoDB adapter of ``OfficeDirectory``, with a short in-process cache:
offices change a few times a year and are read on every submission."""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..domain.office import Office
from .models import OfficeModel

CACHE_SECONDS = 300.0


def _office(item: OfficeModel) -> Office:
    return Office(item.office_code, item.province_code, item.name, item.address, item.phone)


class DynamoOfficeDirectory:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Office | None]] = {}

    def get(self, office_code: str) -> Office | None:
        hit = self._cache.get(office_code)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        try:
            office: Office | None = _office(OfficeModel.get(office_code))
        except OfficeModel.DoesNotExist:
            office = None
        if len(self._cache) > 5000:
            self._cache.clear()
        self._cache[office_code] = (time.monotonic(), office)
        return office

    def in_province(self, province_code: str) -> list[Office]:
        return [_office(item) for item in OfficeModel.by_province.query(province_code)]

    def put_many(self, offices: Iterable[Office]) -> int:
        count = 0
        with OfficeModel.batch_write() as batch:
            for office in offices:
                batch.save(
                    OfficeModel(
                        office.office_code,
                        province_code=office.province_code,
                        name=office.name,
                        address=office.address,
                        phone=office.phone,
                    )
                )
                count += 1
        self._cache.clear()
        return count
