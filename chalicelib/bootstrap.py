"""The one place where adapters are built and wired, lazily, from config.

Nothing is built at import: the first use of ``container().outbox`` creates
the SQS client, and so on, so a cold start pays only for what its path uses.
Tests swap the whole container with ``override``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from .config import Settings, load_settings
from .services.ports.accounts import AccountStore, RateLimiter
from .services.ports.campaign import CampaignStore
from .services.ports.declarations import DeclarationStore
from .services.ports.directory import OfficeDirectory, Registry
from .services.ports.id_copies import IdCopyStorage
from .services.ports.notices import Outbox, Sender
from .services.ports.signatures import SignatureVerifier
from .services.ports.stats import ServiceStats
from .services.ports.vneid import IdentityProvider

if TYPE_CHECKING:
    from .adapters.stats import DynamoServiceStats
    from .domain.passwords import Hasher


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Container:
    """Real adapters, each built on first use."""

    def __init__(
        self,
        settings: Settings | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        hasher: Hasher | None = None,
        session: Any = None,
    ) -> None:
        """``hasher`` and ``session`` let tests pass a cheap password hasher and one shared boto3 session."""
        self._settings = settings
        self._clock = clock or utc_now
        self._given_hasher = hasher
        self._given_session = session

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def _session(self) -> Any:
        if self._given_session is not None:
            return self._given_session
        import boto3

        return boto3.session.Session(region_name=self.settings.region)

    def client(self, service: str) -> Any:
        return self._session.client(service)

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def _pynamodb(self) -> Any:
        from .adapters import models

        models.configure(self.settings)
        return models.connection(self.settings.region)

    @cached_property
    def declarations(self) -> DeclarationStore:
        from .adapters.declaration_store import DynamoDeclarationStore

        return DynamoDeclarationStore(
            self._pynamodb, self.settings.expiry_shards, self.settings.password_shards, stats=self._stats
        )

    @cached_property
    def _sqs(self) -> Any:
        return self.client("sqs")

    @cached_property
    def queue_url(self) -> str:
        return str(self._sqs.get_queue_url(QueueName=self.settings.notifications_queue)["QueueUrl"])

    @cached_property
    def outbox(self) -> Outbox:
        from .adapters.outbox import DynamoSqsOutbox

        return DynamoSqsOutbox(
            self._pynamodb, self._sqs, lambda: self.queue_url, lambda: self.dead_letter_url, stats=self._stats
        )

    @cached_property
    def dead_letter_url(self) -> str:
        return str(self._sqs.get_queue_url(QueueName=self.settings.dead_letter_queue)["QueueUrl"])

    @cached_property
    def sender(self) -> Sender:
        from .adapters.senders import AwsSender

        return AwsSender(
            self.client("sns"),
            self.client("ses"),
            sender_id=self.settings.sms_sender_id,
            email_from=self.settings.email_sender,
            configuration_set=self.settings.ses_configuration_set,
        )

    @cached_property
    def offices(self) -> OfficeDirectory:
        from .adapters.offices import DynamoOfficeDirectory

        self._pynamodb  # noqa: B018 - binds the models to their tables
        return DynamoOfficeDirectory()

    @cached_property
    def registry(self) -> Registry:
        from .adapters.registry import DynamoRegistry

        self._pynamodb  # noqa: B018 - binds the models to their tables
        return DynamoRegistry()

    @cached_property
    def accounts(self) -> AccountStore:
        from .adapters.account_store import DynamoAccountStore

        return DynamoAccountStore(self._pynamodb, self.settings.password_shards)

    @cached_property
    def rate_limits(self) -> RateLimiter:
        from .adapters.rate_limiter import DynamoRateLimiter

        return DynamoRateLimiter(self._pynamodb)

    @cached_property
    def campaign(self) -> CampaignStore:
        from .adapters.campaign_store import DynamoCampaignStore

        return DynamoCampaignStore(self._pynamodb)

    @cached_property
    def signatures(self) -> SignatureVerifier:
        """Built on the first signed submission: lxml, signxml and cryptography load then."""
        from .signatures.revocation import CrlFetcher
        from .signatures.verifier import SignedFormVerifier

        settings = self.settings
        return SignedFormVerifier(
            settings.trust_store,
            revocation_mode=settings.revocation_mode,
            allow_sha1=settings.allow_sha1,
            fetcher=CrlFetcher(settings.crl_fetch_timeout) if settings.crl_fetch else None,
        )

    @cached_property
    def _stats(self) -> DynamoServiceStats:
        """The service report's counters: written by the stores and the outbox, read by the report."""
        from .adapters.stats import DynamoServiceStats

        self._pynamodb  # noqa: B018 - binds the models to their tables
        return DynamoServiceStats(self.settings.stats_shards)

    @property
    def stats(self) -> ServiceStats:
        return self._stats

    @cached_property
    def id_copies(self) -> IdCopyStorage:
        """S3, for the copies of ID documents; presigned URLs name the bucket in the host in AWS,
        in the path on an emulator (``AWS_ENDPOINT_URL``), whose host has no bucket subdomains."""
        import os

        from botocore.config import Config

        from .adapters.id_copies import S3IdCopyStorage

        style = "path" if os.environ.get("AWS_ENDPOINT_URL") else "virtual"
        client = self._session.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": style}))
        return S3IdCopyStorage(client, self.settings.id_copies_bucket)

    @cached_property
    def vneid(self) -> IdentityProvider:
        """The VNeID relying party; its metadata and keys are cached for the process. Off (every
        call refused as ``vneid_unavailable``) while no issuer is configured."""
        from .vneid.oidc import OidcClient, ProviderConfig

        settings = self.settings

        @cache
        def client_secret() -> str:
            # Read once, when first needed: an SSM SecureString in AWS, the local stack's own value.
            if not settings.vneid_client_secret_parameter:
                return settings.vneid_client_secret
            answer = self.client("ssm").get_parameter(Name=settings.vneid_client_secret_parameter, WithDecryption=True)
            return str(answer["Parameter"]["Value"])

        return OidcClient(
            ProviderConfig(
                issuer=settings.vneid_issuer,
                client_id=settings.vneid_client_id,
                client_secret=client_secret,
                redirect_uri=settings.vneid_redirect_uri,
                level_claim=settings.vneid_level_claim,
                level_required=settings.vneid_level_required,
                id_claim=settings.vneid_id_claim,
            )
        )

    @cached_property
    def hasher(self) -> Hasher:
        if self._given_hasher is not None:
            return self._given_hasher
        from .domain.passwords import Hasher

        return Hasher()

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @property
    def new_id(self) -> Callable[[], str]:
        return new_id


_container: Container | None = None


def container() -> Container:
    """The process-wide container (Lambda reuses it across invocations)."""
    global _container
    if _container is None:
        _container = Container()
    return _container


def override(replacement: Container | None) -> None:
    """Swap the container (tests); ``None`` goes back to a fresh real one."""
    global _container
    _container = replacement
