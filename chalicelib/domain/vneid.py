"""VNeID sign-ins (Decree 164/2025/NĐ-CP, Decree 69/2024/NĐ-CP): what a checked ID token says
about the person (the refusals, one problem code each, are in ``domain.errors``)."""

from __future__ import annotations

from dataclasses import dataclass

PURPOSE_REGISTER = "register"
PURPOSE_SIGN_IN = "sign_in"
PURPOSES = (PURPOSE_REGISTER, PURPOSE_SIGN_IN)


@dataclass(frozen=True)
class Identity:
    """What a checked ID token says about the person."""

    subject: str
    personal_id: str
    full_name: str
    birthdate: str | None
    gender: str | None
    level: str


@dataclass(frozen=True)
class Started:
    state: str
    nonce: str
    verifier: str
    url: str
