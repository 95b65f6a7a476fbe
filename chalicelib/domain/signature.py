"""What a valid signature on a Form 01 vouches for (the signed channel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class VerifiedSignature:
    """What a valid signature vouches for. ``content``: the Form 01 fields
    read from the signed bytes only (never from the request as received);
    ``signer``: the ID documents the certificate's subject UID names, as
    (type, number); ``certificate``: what identifies it, for the record;
    ``replay_key``: SHA-256 (hex) of the canonical signature value, the same
    for the same signed document however it is sent again."""

    content: dict[str, Any]
    signer: tuple[tuple[str, str], ...]
    certificate: dict[str, str]
    replay_key: str
