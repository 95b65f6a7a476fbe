"""Shared by the officer-desk use cases: who is acting, loading a
declaration, and turning a lost race into the precise refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.declaration import Declaration
from ..domain.errors import (
    ConflictError,
    DeclarationNotFoundError,
    DomainError,
    ForbiddenError,
    UnauthenticatedError,
)
from ..domain.transitions import check
from .deps import Deps

MAX_ID = 64


@dataclass(frozen=True)
class Officer:
    username: str
    roles: tuple[str, ...]
    office_code: str | None
    province_code: str | None

    def require_office(self) -> str:
        if not self.office_code:
            raise ForbiddenError()
        return self.office_code


def officer_by_token(deps: Deps, authorization: str | None, now: datetime) -> Officer:
    """The desk's officer or supervisor behind ``Authorization: Bearer``, on a route that
    anyone may call (the session authorizer's checks, made by the view itself)."""
    from ..domain.account import OFFICER, SUPERVISOR
    from .sign_in import authorize

    session = authorize(deps, authorization, now)
    if session is None:
        raise UnauthenticatedError()
    if session.is_restricted(now) or not {OFFICER, SUPERVISOR} & set(session.roles):
        raise ForbiddenError()
    return Officer(session.username, tuple(session.roles), session.office_code, session.province_code)


def load(deps: Deps, declaration_id: str) -> Declaration:
    declaration = deps.declarations.get(declaration_id) if 0 < len(declaration_id) <= MAX_ID else None
    if declaration is None:
        raise DeclarationNotFoundError()
    return declaration


def explain_lost_race(deps: Deps, declaration_id: str, action: str, now: datetime, office: str | None) -> Exception:
    """The conditional write failed: read again and say why. When the other
    writer has not landed yet (a transaction conflict), ``conflict`` asks the
    caller to try again."""
    current = load(deps, declaration_id)
    try:
        check(current, action, now, office)
    except DomainError as error:  # the precise refusal
        return error
    return ConflictError()
