"""Use case: an administrator creates a staff account (officer, supervisor,
reporter, admin). Staff are individuals too: one account per person."""

from __future__ import annotations

from datetime import datetime

from ..domain.account import ROLES, AccountHolder
from ..domain.declaration import personal_id_key
from ..domain.errors import FieldError, ValidationError
from ..domain.identifiers import cmnd_problem, is_bhxh_code
from .deps import Deps
from .issue_account import Issued, issue_account


def create_staff_account(
    deps: Deps,
    *,
    bhxh_code: str,
    full_name: str,
    phone: str,
    id_number: str,
    office_code: str,
    roles: tuple[str, ...],
    email: str | None,
    now: datetime,
) -> Issued:
    import phonenumbers

    errors: list[FieldError] = []
    if not is_bhxh_code(bhxh_code):
        errors.append(FieldError("bhxh_code", "invalid_bhxh_code"))
    if cmnd_problem(id_number):
        errors.append(FieldError("id_number", "cmnd_format"))
    if not roles or any(role not in ROLES for role in roles):
        errors.append(FieldError("role", "invalid_choice", {"choices": ", ".join(ROLES)}))
    if deps.offices.get(office_code) is None:
        errors.append(FieldError("office", "unknown_office"))
    e164 = ""
    try:
        parsed = phonenumbers.parse(phone, "VN")
        if not phonenumbers.is_valid_number(parsed):
            raise phonenumbers.NumberParseException(0, "invalid")
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        errors.append(FieldError("phone", "invalid_phone"))
    if not full_name.strip():
        errors.append(FieldError("full_name", "required"))
    if errors:
        raise ValidationError(errors)
    office = deps.offices.get(office_code)
    holder = AccountHolder(
        username=bhxh_code,
        full_name=" ".join(full_name.split()),
        phone=e164,
        email=email,
        identity_key=personal_id_key(id_number),
        province_code=office.province_code if office else None,
        roles=tuple(sorted(set(roles))),
        office_code=office_code,
    )
    return issue_account(deps, holder, now=now, source=f"staff#{bhxh_code}", actor="admin", channel="ops", notify=False)
