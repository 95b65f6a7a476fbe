"""DynamoDB adapter of ``AccountStore`` (accounts, guards, sessions)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from ..domain.account import (
    CITIZEN,
    PASSWORD_HISTORY,
    PASSWORD_MAX_AGE,
    RECOVERY_CODE_LIFETIME,
    RECOVERY_MAX_PER_HOUR,
    RECOVERY_MAX_TRIES,
    Account,
    PasswordDue,
    RecoveryCode,
    Session,
    lock_delay,
    password_expiry_day,
)
from ..domain.campaign import Issuance
from ..domain.errors import AccountExistsError, ConcurrentChangeError
from ..domain.notification import AuditEvent, Notification
from .audit import save_audit
from .models import AccountModel, GuardModel, SessionModel
from .outbox import save_notices
from .transactions import LabelledTransaction, TransactionCancelled

HOUR_SECONDS = 3600


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def account_from_model(item: AccountModel) -> Account:
    recovery = None
    if item.recovery_code_hash and item.recovery_expires_at:
        recovery = RecoveryCode(item.recovery_code_hash, item.recovery_expires_at, int(item.recovery_tries or 0))
    return Account(
        username=item.username,
        full_name=item.full_name,
        phone=item.phone,
        email=item.email,
        identity_key=item.identity_key,
        roles=tuple(sorted(item.roles)),
        password_hash=item.password_hash,
        password_set_at=item.password_set_at,
        temporary=bool(item.temporary),
        created_at=item.created_at,
        office_code=item.office_code,
        province_code=item.province_code,
        password_history=tuple(item.password_history or ()),
        failed_logins=int(item.failed_logins or 0),
        locked_until=item.locked_until,
        recovery=recovery,
        recovery_window=tuple(datetime.fromisoformat(t) for t in item.recovery_window or ()),
        channel=item.channel,
    )


def session_from_model(item: SessionModel) -> Session:
    return Session(
        token_hash=item.token_hash,
        username=item.username,
        roles=tuple(sorted(item.roles)),
        restricted=bool(item.restricted),
        created_at=item.created_at,
        idle_expires_at=item.idle_expires_at,
        absolute_expires_at=item.absolute_expires_at,
        office_code=item.office_code,
        province_code=item.province_code,
        password_expires_at=item.password_expires_at,
    )


def password_shard(account: Account, temporary: bool, set_at: datetime, shards: int) -> str | None:
    """Key of the sparse password-expiry index (None for temporary passwords)."""
    from ..domain.declaration import expiry_partition, shard_for

    day = password_expiry_day(account.with_changes(temporary=temporary, password_set_at=set_at))
    return None if day is None else expiry_partition(day, shard_for(account.username, shards))


def account_model(account: Account, shards: int) -> AccountModel:
    return AccountModel(
        account.username,
        full_name=account.full_name,
        phone=account.phone,
        email=account.email,
        identity_key=account.identity_key,
        roles=set(account.roles),
        office_code=account.office_code,
        province_code=account.province_code,
        password_hash=account.password_hash,
        password_set_at=_utc(account.password_set_at),
        temporary=account.temporary,
        password_history=list(account.password_history),
        password_expiry_shard=password_shard(account, account.temporary, account.password_set_at, shards),
        staff_office=account.office_code if set(account.roles) - {CITIZEN} else None,
        failed_logins=0,
        created_at=_utc(account.created_at),
        channel=account.channel,
    )


class DynamoAccountStore:
    def __init__(self, connection: Connection, shards: int) -> None:
        self._connection = connection
        self._shards = shards

    def create(
        self, account: Account, guard_keys: list[str], notices: list[Notification], audit: list[AuditEvent]
    ) -> None:
        tx = LabelledTransaction(self._connection)
        tx.save("account", account_model(account, self._shards), condition=AccountModel.username.does_not_exist())
        for key in guard_keys:
            tx.save("guard", GuardModel(key, owner=account.username), condition=GuardModel.key.does_not_exist())
        save_notices(tx, notices)
        save_audit(tx, audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed & {"account", "guard"}:
                raise AccountExistsError() from cancelled
            raise

    def get(self, username: str) -> Account | None:
        try:
            return account_from_model(AccountModel.get(username, consistent_read=True))
        except AccountModel.DoesNotExist:
            return None

    def username_by_identity(self, identity_key: str) -> str | None:
        try:
            return str(GuardModel.get(f"account#{identity_key}", consistent_read=True).owner)
        except GuardModel.DoesNotExist:
            return None

    def link_identity(self, username: str, identity_key: str) -> bool:
        key = f"account#{identity_key}"
        try:
            GuardModel(key, owner=username).save(
                condition=GuardModel.key.does_not_exist() | (GuardModel.owner == username)
            )
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def save_login_state(self, key: str, payload: dict[str, str], expires_at: datetime) -> None:
        GuardModel(f"login-state#{key}", owner=json.dumps(payload), expires_at=_utc(expires_at)).save(
            condition=GuardModel.key.does_not_exist()
        )

    def take_login_state(self, key: str, now: datetime) -> dict[str, str] | None:
        """One DeleteItem that returns what it deleted, on condition it had not expired (DynamoDB's
        TTL deletes late: the condition is the expiry)."""
        try:
            response = GuardModel._get_connection().delete_item(
                f"login-state#{key}",
                condition=GuardModel.key.exists() & (GuardModel.expires_at > _utc(now)),
                return_values="ALL_OLD",
            )
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        owner = response.get("Attributes", {}).get("owner", {}).get("S")
        value = json.loads(owner) if owner else None
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None

    def record_failed_login(
        self, username: str, now: datetime, *, expected: int | None = None, alert: list[Notification] | None = None
    ) -> int:
        if alert and expected is not None and lock_delay(expected + 1):
            counted = self._failure_with_alert(username, now, expected, alert)
            if counted is not None:
                return counted
        item = AccountModel(username)
        try:
            # One conditional write whether or not the account exists (an unknown
            # username costs the same round trip, so timing tells nothing).
            item.update(actions=[AccountModel.failed_logins.add(1)], condition=AccountModel.username.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return 0
            raise
        count = int(item.failed_logins or 0)
        delay = lock_delay(count)
        if delay:
            item.update(actions=[AccountModel.locked_until.set(_utc(now + delay))])
        if alert and expected is not None and count == expected + 1 and delay:
            # The transaction below lost a race that did not change the count:
            # the alert still goes, in a write of its own.
            self._record_notices(alert)
        return count

    def _failure_with_alert(self, username: str, now: datetime, expected: int, alert: list[Notification]) -> int | None:
        """The failure that locks the account, its lock and the owner's alert, in
        one transaction conditional on the count read before; None when it moved."""
        count = expected + 1
        tx = LabelledTransaction(self._connection)
        tx.update(
            "account",
            AccountModel(username),
            actions=[
                AccountModel.failed_logins.set(count),
                AccountModel.locked_until.set(_utc(now + lock_delay(count))),
            ],
            condition=AccountModel.username.exists() & (AccountModel.failed_logins == expected),
        )
        save_notices(tx, alert)
        try:
            tx.commit()
        except TransactionCancelled:
            return None
        return count

    def _record_notices(self, notices: list[Notification]) -> None:
        tx = LabelledTransaction(self._connection)
        save_notices(tx, notices)
        with contextlib.suppress(TransactionCancelled):  # recorded already
            tx.commit()

    def start_session(self, session: Session, account: Account, rehashed: str | None) -> None:
        tx = LabelledTransaction(self._connection)
        tx.save("session", self._session_model(session))
        # No session for a password changed since it was verified (a reset must not race a sign-in).
        condition = AccountModel.password_hash == account.password_hash
        if account.failed_logins or account.locked_until or rehashed:
            actions: list[Any] = [AccountModel.failed_logins.set(0), AccountModel.locked_until.remove()]
            if rehashed:
                actions.append(AccountModel.password_hash.set(rehashed))
            tx.update("account", AccountModel(account.username), actions=actions, condition=condition)
        else:
            # Nothing to write on the account: a check only, so no stream record per sign-in.
            tx.condition_check("account", AccountModel, account.username, condition=condition)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled

    @staticmethod
    def _session_model(session: Session) -> SessionModel:
        return SessionModel(
            session.token_hash,
            username=session.username,
            roles=set(session.roles),
            restricted=session.restricted,
            office_code=session.office_code,
            province_code=session.province_code,
            created_at=_utc(session.created_at),
            idle_expires_at=_utc(session.idle_expires_at),
            absolute_expires_at=_utc(session.absolute_expires_at),
            password_expires_at=_utc(session.password_expires_at) if session.password_expires_at else None,
        )

    def touch_session(self, token_hash: str, now: datetime) -> Session | None:
        """One write that checks and extends: the condition is ``Session.is_live(now)``
        as DynamoDB evaluates it, the new idle expiry that of ``Session.touched(now)``
        before the absolute cap (which the returned session applies; the stored idle
        expiry may pass the absolute one by < 30 min, harmless since both are checked)."""
        from ..domain.account import SESSION_IDLE

        now = _utc(now)
        item = SessionModel(token_hash)
        try:
            item.update(
                actions=[SessionModel.idle_expires_at.set(now + SESSION_IDLE)],
                condition=SessionModel.token_hash.exists()
                & (SessionModel.idle_expires_at > now)
                & (SessionModel.absolute_expires_at > now),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        session = session_from_model(item).touched(now)
        return session if session.is_live(now) else None

    def end_session(self, token_hash: str) -> None:
        SessionModel(token_hash).delete()

    def lift_restriction(self, token_hash: str, password_expires_at: datetime) -> None:
        try:
            SessionModel(token_hash).update(
                actions=[
                    SessionModel.restricted.set(False),
                    SessionModel.password_expires_at.set(_utc(password_expires_at)),
                ],
                condition=SessionModel.token_hash.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def end_sessions(self, username: str, keep: str | None = None) -> int:
        hashes = [s.token_hash for s in SessionModel.by_username.query(username) if s.token_hash != keep]
        with SessionModel.batch_write() as batch:
            for value in hashes:
                batch.delete(SessionModel(value))
        return len(hashes)

    def _password_actions(self, account: Account, new_hash: str, temporary: bool, now: datetime) -> list[Any]:
        history = [account.password_hash, *account.password_history][:PASSWORD_HISTORY]
        shard = password_shard(account, temporary, now, self._shards)
        return [
            AccountModel.password_hash.set(new_hash),
            AccountModel.password_set_at.set(_utc(now)),
            AccountModel.temporary.set(temporary),
            AccountModel.password_history.set(history),
            AccountModel.password_expiry_shard.set(shard) if shard else AccountModel.password_expiry_shard.remove(),
            AccountModel.failed_logins.set(0),
            AccountModel.locked_until.remove(),
            AccountModel.recovery_code_hash.remove(),
            AccountModel.recovery_expires_at.remove(),
            AccountModel.recovery_tries.remove(),
        ]

    def set_password(self, account: Account, new_hash: str, *, temporary: bool, now: datetime) -> Account:
        item = AccountModel(account.username)
        try:
            item.update(
                actions=self._password_actions(account, new_hash, temporary, now),
                condition=AccountModel.password_hash == account.password_hash,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ConcurrentChangeError() from error
            raise
        return account_from_model(item)

    def set_password_with_notices(
        self,
        account: Account,
        new_hash: str,
        now: datetime,
        notices: list[Notification],
        audit: list[AuditEvent],
        *,
        temporary: bool = True,
    ) -> Account:
        tx = LabelledTransaction(self._connection)
        tx.update(
            "account",
            AccountModel(account.username),
            actions=self._password_actions(account, new_hash, temporary, now),
            condition=AccountModel.password_hash == account.password_hash,
        )
        save_notices(tx, notices)
        save_audit(tx, audit)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise ConcurrentChangeError() from cancelled
        updated = self.get(account.username)
        if updated is None:
            raise ConcurrentChangeError()
        return updated

    def start_recovery(self, account: Account, code_hash: str, now: datetime) -> bool:
        now = _utc(now)
        window = [t for t in account.recovery_window if (now - t).total_seconds() < HOUR_SECONDS]
        if len(window) >= RECOVERY_MAX_PER_HOUR:
            return False
        item = AccountModel(account.username)
        previous = [t.isoformat() for t in account.recovery_window]
        condition = (
            AccountModel.recovery_window == previous if previous else AccountModel.recovery_window.does_not_exist()
        )
        try:
            item.update(
                actions=[
                    AccountModel.recovery_code_hash.set(code_hash),
                    AccountModel.recovery_expires_at.set(now + RECOVERY_CODE_LIFETIME),
                    AccountModel.recovery_tries.set(0),
                    AccountModel.recovery_window.set([t.isoformat() for t in (*window, now)]),
                ],
                condition=condition,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False  # a concurrent request issued one: count it against the limit
            raise
        return True

    def record_recovery_try(self, account: Account) -> bool:
        try:
            AccountModel(account.username).update(
                actions=[AccountModel.recovery_tries.add(1)],
                condition=AccountModel.recovery_code_hash.exists() & (AccountModel.recovery_tries < RECOVERY_MAX_TRIES),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def staff_of_office(self, office_code: str) -> list[Account]:
        return [account_from_model(item) for item in AccountModel.by_staff_office.query(office_code)]

    def issued(self, usernames: list[str]) -> list[Issuance]:
        """One strongly consistent BatchGetItem per 100 usernames."""
        return [
            Issuance.of(item.username, item.created_at, item.channel)
            for item in AccountModel.batch_get(
                list(dict.fromkeys(usernames)),
                consistent_read=True,
                attributes_to_get=["username", "created_at", "channel"],
            )
        ]

    def passwords_expiring_on(self, day: date) -> Iterator[PasswordDue]:
        from ..domain.declaration import expiry_partition

        for shard in range(self._shards):
            for item in AccountModel.by_password_expiry.query(expiry_partition(day, shard)):
                if item.temporary:
                    continue
                yield PasswordDue(
                    item.username, item.full_name, item.phone, item.email, item.password_set_at + PASSWORD_MAX_AGE
                )
