"""Verification of signed Form 01 documents (the signed channel)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ...domain.signature import VerifiedSignature


class SignatureVerifier(Protocol):
    def verify(self, body: bytes, now: datetime) -> VerifiedSignature:
        """Every check of DESIGN §2 "Signed declarations", or the
        ``SignatureInvalidError`` subclass (or XML error) that names the first
        that fails."""
