"""DynamoDB adapter of the BHXH participant ``Registry`` (a demo slice locally;
in production, the table the registry system replicates into)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from ..domain.participant import Participant
from .models import ParticipantModel

MAX_PER_ID_NUMBER = 10  # one person per ID number; a few in a registry with duplicates, never unbounded


def _participant(item: ParticipantModel) -> Participant:
    return Participant(
        item.bhxh_code,
        item.full_name,
        item.date_of_birth,
        item.gender,
        item.id_number,
        item.phone,
        item.province_code,
    )


class DynamoRegistry:
    def get(self, bhxh_code: str) -> Participant | None:
        try:
            item = ParticipantModel.get(bhxh_code)
        except ParticipantModel.DoesNotExist:
            return None
        return _participant(item)

    def find_by_id_number(self, id_number: str) -> list[Participant]:
        items = ParticipantModel.by_id_number.query(id_number, limit=MAX_PER_ID_NUMBER)
        return sorted((_participant(item) for item in items), key=lambda p: p.bhxh_code)

    def put_many(self, participants: Iterable[Participant]) -> int:
        """Batched (25 a request, unprocessed items retried by PynamoDB);
        a re-run overwrites with the same values."""
        count = 0
        with ParticipantModel.batch_write() as batch:
            for participant in participants:
                batch.save(ParticipantModel(**asdict(participant)))
                count += 1
        return count
