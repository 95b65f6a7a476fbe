"""One stack per environment (``bhxh-<stage>``): data, events, messaging, the Chalice app, operations.

The Lambda functions, their roles and the REST API come from Chalice itself
(``chalice.cdk.Chalice`` runs ``chalice package`` on the repository root and
includes the SAM template it writes). ``chalice package`` cannot express what
this service needs around them (ReportBatchItemFailures, stream filters,
retry limits, destinations, named resources, per-function policies, access
logs, throttling), so the stack adjusts the included resources with CDK
escape hatches (``get_resource(...).add_property_override``), each one
commented where it is made. The event sources stay SAM events (the
decorators in app.py remain the one place that says which handler consumes
what); the stack only completes their properties.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    Annotations,
    CfnOutput,
    CfnParameter,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    Stage,
    Tags,
    Validations,
)
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from . import app_model, checkov
from .config import REPO_ROOT, InfraConfig
from .firewall import ApiFirewall
from .monitoring import Monitoring
from .permissions import (
    ACCESS,
    CALLED_VIA_SNS,
    KMS_USE,
    LOG_WRITE,
    QUERY,
    QUEUE_CONSUME,
    QUEUE_SEND,
    SMS_SEND_VIA_SNS,
    SMS_SETTINGS_VIA_SNS,
    STREAM_READ,
    XRAY_WRITE,
    FunctionAccess,
    StreamUse,
    function_suffix,
    handler_name,
)
from .portal import Portal

PLACEHOLDER_POLICY = Path(__file__).resolve().parent / "chalice-placeholder-policy.json"
API_GATEWAY_STAGE = "api"
TRUST_STORE_MOUNT = "/opt/trust-store"  # a layer's files land under /opt

# Every stream event source mapping (which records, and which failure queue: permissions.StreamUse).
STREAM_MAX_RETRIES = 5
STREAM_MAX_RECORD_AGE_S = 24 * 3600  # a stream keeps records 24 h; older ones go to the failure queue


@dataclass(frozen=True)
class AppFunction:
    """One Lambda function of the Chalice app, as found in the template Chalice wrote."""

    logical_id: str
    handler: str  # Python name in app.py (``app`` for the HTTP API)
    name: str  # deployed function name, bhxh-<stage>-<suffix>
    role_logical_id: str
    events: dict[str, dict[str, Any]]
    access: FunctionAccess


class RegistrationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=config.stack_name,
            description=f"BHXH e-transaction registration service, environment {config.stage}",
            **kwargs,
        )
        self.config = config
        self.settings = app_model.settings_for(config.stage)
        self.specs = app_model.table_specs()
        Tags.of(self).add("project", "bhxh-registration")
        Tags.of(self).add("stage", config.stage)
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY

        self.key = self._data_key(removal)
        self.tables = {name: self._table(spec, removal) for name, spec in self.specs.items()}
        self.id_copies = self._id_copies_bucket(removal)
        self._queues()
        self._topics()
        self._email()
        self._sms()
        self.trust_store = self._trust_store_layer()
        self.api_access_logs = self._log_group("ApiAccessLogs", f"/aws/apigateway/{config.name('api')}", removal)

        self.functions = self._chalice_app(removal)
        self._sms_receipts(removal)
        if not config.leadership_emails:
            # Allowed (a test stage needs none), but prod without it would send the digest to nobody.
            Annotations.of(self).add_warning_v2(
                "bhxh:no-leadership-emails",
                "context 'leadership_emails' is empty: the daily campaign progress digest (07:30 Vietnam) "
                "goes to nobody; set -c leadership_emails=a@...,b@... (docs/operations.md#progress-digest)",
            )
        self._api()
        # The web portal: private bucket behind CloudFront, the API under the same distribution at /v1/*.
        self.portal = Portal(
            self,
            "Portal",
            config=config,
            api=self.chalice.get_resource("RestAPI"),
            api_stage=API_GATEWAY_STAGE,
            removal=removal,
            upload_origin=f"https://{self.id_copies.bucket_regional_domain_name}",
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            functions={f.handler: f.name for f in self.functions},
            queue=self.queue,
            dead_letters={
                self.settings.dead_letter_queue: self.dead_letters,
                **{config.name(failures): queue for failures, queue in self.stream_failures.items()},
                config.name("async-failures"): self.async_failures,
            },
            api_name=config.name("api"),
            api_stage=API_GATEWAY_STAGE,
            sms_spend_limit=self.sms_spend_limit,
            topic=self.operators,
        )
        self._outputs()

    # --- data -------------------------------------------------------------------------------

    def _data_key(self, removal: RemovalPolicy) -> kms.Key:
        """One customer-managed key for every table, queue, topic, log group and function environment."""
        key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{self.config.name('data')}",
            description=f"bhxh-{self.config.stage}: tables, queues, topics, logs, function environments",
            enable_key_rotation=True,
            pending_window=Duration.days(30),
            removal_policy=removal,
        )
        account_condition = {"StringEquals": {"aws:SourceAccount": self.account}}
        # CloudWatch Logs encrypts the log groups with it (scoped to this account's log groups).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:*"
                        )
                    }
                },
            )
        )
        # SES publishes bounces/complaints and CloudWatch publishes alarms to encrypted topics.
        for sid, service in (
            ("SesToEncryptedTopic", "ses.amazonaws.com"),
            ("AlarmsToEncryptedTopic", "cloudwatch.amazonaws.com"),
        ):
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                    resources=["*"],
                    conditions=account_condition,
                )
            )
        return key

    def _id_copies_bucket(self, removal: RemovalPolicy) -> s3.Bucket:
        """Copies of ID documents kept with office and paper dossiers (personal data, Decree
        13/2023/NĐ-CP): private, SSE-KMS with the data key, TLS only, versioned, and deleted by
        the lifecycle rules the objects' ``retention`` tag selects (chalicelib/domain/id_copy.py,
        docs/operations.md "ID-document copies"). The officer's browser posts to it from the portal."""
        bucket = s3.Bucket(
            self,
            "IdCopies",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=list(self.config.cors_origins),
                    allowed_headers=["*"],
                    max_age=600,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="unchecked-uploads",
                    tag_filters={ID_COPY_RETENTION_TAG: "unchecked"},
                    expiration=Duration.days(ID_COPY_UNCHECKED_DAYS),
                ),
                s3.LifecycleRule(
                    id="rejected-or-cancelled-dossiers",
                    tag_filters={ID_COPY_RETENTION_TAG: "rejected"},
                    expiration=Duration.days(ID_COPY_REJECTED_DAYS),
                ),
                s3.LifecycleRule(
                    id="replaced-versions",
                    noncurrent_version_expiration=Duration.days(ID_COPY_NONCURRENT_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=removal,
        )
        checkov.skip(
            bucket,
            {
                "CKV_AWS_18": (
                    "Every read and write goes through the API, which writes an audit event per upload check and "
                    "per read link; CloudTrail data events can be enabled account-wide (docs/operations.md)."
                ),
                "CKV_AWS_144": (
                    "Personal data stays in one region (Decree 13/2023): no cross-region copy; versioning and the "
                    "retained stack keep it."
                ),
                "CKV2_AWS_62": "Nothing reacts to uploads: the officer's check reads the object.",
            },
        )
        return bucket

    def _table(self, spec: app_model.TableSpec, removal: RemovalPolicy) -> dynamodb.Table:
        def attribute(key: tuple[str, str]) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=key[0], type=dynamodb.AttributeType(_ATTRIBUTE_TYPES[key[1]]))

        stream = None
        if spec.stream_view_type:
            stream = dynamodb.StreamViewType(spec.stream_view_type)
        table = dynamodb.Table(
            self,
            f"{spec.name.capitalize()}Table",
            table_name=self.settings.table_names()[spec.name],
            partition_key=attribute(spec.keys.partition),
            sort_key=attribute(spec.keys.sort) if spec.keys.sort else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            time_to_live_attribute=spec.ttl_attribute,
            stream=stream,
            deletion_protection=self.config.retain_data,
            removal_policy=removal,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.keys.partition),
                sort_key=attribute(index.keys.sort) if index.keys.sort else None,
                projection_type=dynamodb.ProjectionType(index.projection),
                non_key_attributes=list(index.non_key_attributes) or None,
            )
        return table

    # --- events -----------------------------------------------------------------------------

    def _queue(self, construct_id: str, name: str, **kwargs: Any) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            data_key_reuse=Duration.minutes(5),
            enforce_ssl=True,
            **kwargs,
        )

    def _queues(self) -> None:
        notices = self.settings.notifications_queue
        self.dead_letters = self._queue(
            "NotificationDeadLetters", self.settings.dead_letter_queue, retention_period=Duration.days(14)
        )
        self.queue = self._queue(
            "Notifications",
            notices,
            visibility_timeout=Duration.seconds(app_model.NOTICE_VISIBILITY_TIMEOUT_S),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=app_model.NOTICE_MAX_RECEIVES
            ),
        )
        # Stream batches that still fail after the retries (the batch's metadata, for replay): one queue
        # per stream handler, named in ACCESS (bhxh-<stage>-declaration-stream-failures ...).
        self.stream_failures: dict[str, sqs.Queue] = {}
        for handler, access in sorted(ACCESS.items()):
            if access.stream is None:
                continue
            self._check_stream(handler, access.stream)
            failures = access.stream.failures
            if failures in self.stream_failures:
                raise ValueError(f"{handler}: failure queue {failures!r} is already another stream handler's")
            self.stream_failures[failures] = self._queue(
                "".join(part.capitalize() for part in failures.split("-")),
                self.config.name(failures),
                retention_period=Duration.days(14),
            )
        # Events of asynchronously invoked functions (daily jobs, SES feedback) that failed every try.
        self.async_failures = self._queue(
            "AsyncFailures", self.config.name("async-failures"), retention_period=Duration.days(14)
        )

    def _check_stream(self, handler: str, stream: StreamUse) -> None:
        spec = self.specs.get(stream.table)
        if spec is None:
            raise KeyError(f"{handler}: ACCESS reads the stream of {stream.table!r}, which has no model")
        if not spec.stream_view_type:
            raise ValueError(
                f"{handler}: ACCESS reads the stream of {stream.table!r}, whose model sets no stream_view_type"
            )
        if not stream.failures.endswith("-failures"):
            raise ValueError(f"{handler}: a stream failure queue is named <what>-failures, not {stream.failures!r}")

    def _topic(self, construct_id: str, name: str, display: str) -> sns.Topic:
        return sns.Topic(
            self,
            construct_id,
            topic_name=name,
            display_name=display,
            master_key=self.key,
            enforce_ssl=True,
        )

    def _topics(self) -> None:
        self.ses_feedback_topic_name = self.config.name("ses-feedback")
        self.ses_feedback = self._topic("SesFeedback", self.ses_feedback_topic_name, "BHXH SES feedback")
        self.ses_feedback.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SesPublishes",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.ses_feedback.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        self.operators = self._topic("Operators", self.config.name("operators"), "BHXH operators")
        for email in self.config.operator_emails:
            self.operators.add_subscription(subscriptions.EmailSubscription(email))

    # --- messaging --------------------------------------------------------------------------

    def _email(self) -> None:
        self.configuration_set = ses.ConfigurationSet(
            self,
            "EmailConfigurationSet",
            configuration_set_name=self.config.name("email"),
            reputation_metrics=True,
            sending_enabled=True,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        # Bounces and complaints go to the topic ses_feedback subscribes to (the app's own suppression list).
        self.configuration_set.add_event_destination(
            "Feedback",
            configuration_set_event_destination_name="bounces-and-complaints",
            destination=ses.EventDestination.sns_topic(self.ses_feedback),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
        )
        # Every other outcome of a send, to the same topic: the ledger's delivery receipts (issue 15).
        self.configuration_set.add_event_destination(
            "Receipts",
            configuration_set_event_destination_name="delivery-receipts",
            destination=ses.EventDestination.sns_topic(self.ses_feedback),
            events=[
                ses.EmailSendingEvent.DELIVERY,
                ses.EmailSendingEvent.REJECT,
                ses.EmailSendingEvent.RENDERING_FAILURE,
            ],
        )
        self.email_identity: ses.EmailIdentity | None = None
        if self.config.manage_ses_identity:
            # The sender's domain, with Easy DKIM; the DNS records to publish are stack outputs.
            self.email_identity = ses.EmailIdentity(
                self,
                "EmailIdentity",
                identity=ses.Identity.domain(self.config.email_domain),
                configuration_set=self.configuration_set,  # the default for mail from this domain
            )

    def _sms_receipts(self, removal: RemovalPolicy) -> None:
        """SNS writes each SMS's delivery status to CloudWatch Logs (the account setting below names the
        role it writes with); a subscription filter on both log groups invokes ``sms_delivery_status``."""
        base = f"sns/{self.region}/{self.account}/DirectPublishToPhoneNumber"
        groups = [
            self._log_group("SmsDeliveredLogs", base, removal),
            self._log_group("SmsFailedLogs", f"{base}/Failure", removal),
        ]
        self.sms_status_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[f"{group.log_group_arn}" for group in groups],
            )
        )
        function = next(f for f in self.functions if f.handler == "sms_delivery_status")
        arn = self.chalice.get_resource(function.logical_id).get_att("Arn").to_string()
        for n, group in enumerate(groups):
            permission = lambda_.CfnPermission(
                self,
                f"SmsStatusInvoke{n}",
                action="lambda:InvokeFunction",
                function_name=arn,
                principal=f"logs.{self.region}.amazonaws.com",
                source_account=self.account,
                source_arn=group.log_group_arn,
            )
            subscription = logs.CfnSubscriptionFilter(
                self,
                f"SmsStatusSubscription{n}",
                log_group_name=group.log_group_name,
                filter_pattern="",
                destination_arn=arn,
            )
            subscription.add_resource_dependency(permission)
        self.sms_status_logs = groups

    def _sms(self) -> None:
        """Account SMS settings: no CloudFormation resource exists, so a custom resource calls SetSMSAttributes."""
        self.sms_status_role = iam.Role(
            self,
            "SmsDeliveryStatusRole",
            assumed_by=iam.ServicePrincipal(
                "sns.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
            description="SNS writes the SMS delivery-status logs (sns/<region>/<account>/DirectPublishToPhoneNumber*)",
        )
        self.sms_status_role_arn = self.sms_status_role.role_arn
        self.sms_spend_limit = CfnParameter(
            self,
            "SmsMonthlySpendLimit",
            type="Number",
            min_value=1,
            default=self.config.sms_monthly_spend_limit_usd,
            description=(
                "SNS SMS monthly spend limit in USD (account-wide). Above 1 USD, first raise the account's "
                "SMS spending quota with AWS Support (docs/operations.md)."
            ),
        )
        call = cr.AwsSdkCall(
            service="SNS",
            action="setSMSAttributes",
            parameters={
                "attributes": {
                    "DefaultSMSType": "Transactional",
                    "DefaultSenderID": self.config.sms_sender_id,
                    "MonthlySpendLimit": self.sms_spend_limit.value_as_string,
                    # Every SMS's delivery status to CloudWatch Logs (its receipts: _sms_receipts).
                    "DeliveryStatusIAMRole": self.sms_status_role_arn,
                    "DeliveryStatusSuccessSamplingRate": "100",
                }
            },
            physical_resource_id=cr.PhysicalResourceId.of(self.config.name("sms-settings")),
        )
        logs_group = self._log_group(
            "SmsSettingsLogs",
            f"/aws/lambda/{self.config.name('sms-settings')}",
            RemovalPolicy.DESTROY,
        )
        self.sms_settings = cr.AwsCustomResource(
            self,
            "SmsSettings",
            resource_type="Custom::SmsSettings",
            on_create=call,
            on_update=call,
            # SetSMSAttributes has no resource type in IAM: "*" is the only resource it accepts; it is the
            # one SNS action the custom resource may call.
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(actions=["sns:SetSMSAttributes"], resources=["*"]),
                    # DeliveryStatusIAMRole: SNS checks that the caller may pass it.
                    iam.PolicyStatement(actions=["iam:PassRole"], resources=[self.sms_status_role.role_arn]),
                    # What SNS calls in AWS End User Messaging SMS on the custom resource's behalf.
                    iam.PolicyStatement(actions=list(SMS_SETTINGS_VIA_SNS), resources=["*"], conditions=CALLED_VIA_SNS),
                ]
            ),
            install_latest_aws_sdk=False,
            log_group=logs_group,
            timeout=Duration.minutes(2),
        )
        # The provider is CDK's singleton function (construct id "AWS" + its UUID without dashes).
        singleton = self.node.try_find_child("AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", ""))
        if singleton is not None:
            function = singleton.node.try_find_child("Resource")
            if isinstance(function, CfnResource):
                checkov.skip(
                    function,
                    {
                        "CKV_AWS_115": "CDK's provider for the SMS settings runs only during deployments, once.",
                        "CKV_AWS_116": "Invoked by CloudFormation, which reports its failure as the deployment's.",
                        "CKV_AWS_117": checkov.NO_VPC,
                    },
                )
                # CDK adds DependsOn on the role it also references: cfn-lint's W3005, harmless.
                function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})

    # --- app --------------------------------------------------------------------------------

    def _log_group(self, construct_id: str, name: str, removal: RemovalPolicy) -> logs.LogGroup:
        group = logs.LogGroup(
            self,
            construct_id,
            log_group_name=name,
            encryption_key=self.key,
            retention=logs.RetentionDays.INFINITE,
            removal_policy=removal,
        )
        cfn = group.node.default_child
        assert isinstance(cfn, logs.CfnLogGroup)
        cfn.retention_in_days = self.config.log_retention_days  # any of CloudWatch's periods, from context
        return group

    def _trust_store_layer(self) -> lambda_.LayerVersion:
        """The signed channel's trust anchors (PEM) and CRLs, mounted at /opt/trust-store."""
        source = self.config.trust_store_dir
        if not source.is_dir():
            raise FileNotFoundError(f"trust store directory {source} does not exist (context 'trust_store_dir')")
        staging = Path(tempfile.mkdtemp(prefix="bhxh-trust-store-"))
        shutil.copytree(source, staging / "trust-store")
        layer = lambda_.LayerVersion(
            self,
            "TrustStore",
            layer_version_name=self.config.name("trust-store"),
            code=lambda_.Code.from_asset(str(staging)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
            description="Trust anchors and CRLs of the signed channel (BHXH_TRUST_STORE)",
            removal_policy=RemovalPolicy.RETAIN,
        )
        shutil.rmtree(staging, ignore_errors=True)  # the asset was staged into the cloud assembly
        return layer

    def _environment(self) -> dict[str, str]:
        """Every setting the code reads that the deployment decides (chalicelib/config.py, app.py)."""
        settings = self.settings
        variables = {
            "BHXH_STAGE": self.config.stage,
            "BHXH_TABLE_PREFIX": self.config.prefix,
            **{spec.env_var: settings.table_names()[name] for name, spec in self.specs.items()},
            "BHXH_NOTIFICATIONS_QUEUE": settings.notifications_queue,
            "BHXH_NOTIFICATIONS_DLQ": settings.dead_letter_queue,
            # Read by app.py at import for the stream decorators (BHXH_DECLARATIONS_STREAM_ARN ...): a
            # placeholder naming the table, which Chalice copies into the event source and the stack checks
            # against ACCESS; replaced in every function and event source by the real stream ARN.
            **{
                spec.stream_env_var: (
                    f"arn:aws:dynamodb:{self.config.region}:000000000000:table/"
                    f"{settings.table_names()[name]}/stream/set-by-infra"
                )
                for name, spec in self.specs.items()
                if spec.stream_view_type
            },
            "BHXH_SES_FEEDBACK_TOPIC": self.ses_feedback_topic_name,
            "BHXH_CORS_ORIGIN": self.config.cors_origin,
            "BHXH_SMS_SENDER_ID": self.config.sms_sender_id,
            "BHXH_EMAIL_SENDER": self.config.email_sender,
            "BHXH_SES_CONFIGURATION_SET": self.config.name("email"),
            "BHXH_TRUST_STORE": TRUST_STORE_MOUNT,
            # The campaign's daily progress digest (progress_digest_job): comma-separated, may be empty.
            "BHXH_LEADERSHIP_EMAILS": ",".join(self.config.leadership_emails),
            # The signed channel's security policy, stated by the deployment rather than left to defaults.
            "BHXH_REVOCATION_MODE": self.config.revocation_mode,
            "BHXH_ALLOW_SHA1": "true" if self.config.allow_sha1 else "false",
            # Functions run outside a VPC, so they reach the CAs' CRL distribution points.
            "BHXH_CRL_FETCH": "true",
            # Write shards are part of the data layout: pinned, so a default changed in code cannot
            # silently hide existing items from the daily jobs.
            "BHXH_EXPIRY_SHARDS": str(settings.expiry_shards),
            "BHXH_PASSWORD_SHARDS": str(settings.password_shards),
            # The service report reads every shard it may have written: never lower this one.
            "BHXH_STATS_SHARDS": str(settings.stats_shards),
            # VNeID (OpenID Connect): empty issuer = off. The secret is read at run time from SSM.
            "BHXH_VNEID_ISSUER": self.config.vneid_issuer,
            "BHXH_VNEID_CLIENT_ID": self.config.vneid_client_id,
            "BHXH_VNEID_REDIRECT_URI": f"{self.config.cors_origin}/vneid.html",
            "BHXH_VNEID_CLIENT_SECRET_PARAMETER": self.config.vneid_secret_parameter,
            "BHXH_VNEID_LEVEL_CLAIM": self.config.vneid_level_claim,
            "BHXH_VNEID_LEVEL_REQUIRED": self.config.vneid_level_required,
            "BHXH_VNEID_ID_CLAIM": self.config.vneid_id_claim,
            # A decision's SMS with no delivery receipt after this long falls back to email (delivery_fallback_job).
            "BHXH_FALLBACK_AFTER_MINUTES": str(self.config.fallback_after_minutes),
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        return variables

    def _chalice_app(self, removal: RemovalPolicy) -> list[AppFunction]:
        from chalice.cdk import Chalice

        stage_config = {
            "api_gateway_stage": API_GATEWAY_STAGE,
            "api_gateway_endpoint_type": self.config.api_endpoint_type,
            # No generated policy: each function's role gets the document built from permissions.ACCESS.
            # Chalice still needs a policy file per role; an absolute path is used as is (its deny-all
            # placeholder is replaced below, so a function the stack forgot could do nothing).
            "autogen_policy": False,
            "iam_policy_file": str(PLACEHOLDER_POLICY),
            "xray": True,
            "lambda_memory_size": self.config.lambda_memory_mb,
            "lambda_timeout": self.config.lambda_timeout_s,
            "environment_variables": self._environment(),
        }
        with _packaging(self.config.region, Stage.of(self).outdir if Stage.of(self) else None):
            self.chalice = Chalice(self, "App", source_dir=str(REPO_ROOT), stage_config=stage_config)
            # The SAM template Chalice wrote (chalice.cdk keeps its directory in this attribute) lists the
            # functions with their handlers and events; CfnInclude does not enumerate them.
            package_dir = Path(self.chalice._sam_package_dir)
            template = json.loads((package_dir / "sam.json").read_text(encoding="utf-8"))
            self.api_paths: dict[str, Any] = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
            # The deployment package is staged as an asset and the template included: the copies
            # chalice.cdk left in ./chalice.out (24 MB a synthesis) are no longer needed.
            shutil.rmtree(package_dir.parent, ignore_errors=True)

        functions = []
        for logical_id, resource in sorted(template["Resources"].items()):
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            props = resource["Properties"]
            handler = handler_name(props["Handler"])
            if handler not in ACCESS:
                raise KeyError(
                    f"app.py has a Lambda function {handler!r} ({logical_id}) with no entry in "
                    "infra/bhxh_infra/permissions.py ACCESS: declare what it touches"
                )
            functions.append(
                AppFunction(
                    logical_id=logical_id,
                    handler=handler,
                    name=self.config.name(function_suffix(props["Handler"])),
                    role_logical_id=props["Role"]["Fn::GetAtt"][0],
                    events=props.get("Events", {}),
                    access=ACCESS[handler],
                )
            )
        for function in functions:
            self._configure_function(function, removal)
        return functions

    def _configure_function(self, function: AppFunction, removal: RemovalPolicy) -> None:
        cfn = self.chalice.get_resource(function.logical_id)
        log_group = self._log_group(f"{function.logical_id}Logs", f"/aws/lambda/{function.name}", removal)
        cfn.add_property_override("FunctionName", function.name)
        cfn.add_property_override("Description", function.access.purpose)
        cfn.add_property_override("KmsKeyArn", self.key.key_arn)  # environment encrypted with the data key
        # Our log group (retention, KMS), created before the function can write to it.
        cfn.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "Text"})
        for name, spec in self.specs.items():
            if spec.stream_view_type:
                cfn.add_property_override(
                    f"Environment.Variables.{spec.stream_env_var}", self.tables[name].table_stream_arn
                )
        # Every function's settings name the bucket (config.py reads them all); only some may touch it.
        cfn.add_property_override("Environment.Variables.BHXH_ID_COPIES_BUCKET", self.id_copies.bucket_name)
        if function.access.trust_store:
            cfn.add_property_override("Layers", [self.trust_store.layer_version_arn])
        if function.access.invoked_asynchronously:
            cfn.add_property_override("DeadLetterQueue", {"Type": "SQS", "TargetArn": self.async_failures.queue_arn})
        for event_id, event in function.events.items():
            self._configure_event(function, cfn, event_id, event)
        self._replace_policy(function, log_group)

        skips = {"CKV_AWS_117": checkov.NO_VPC, "CKV_AWS_115": checkov.NO_RESERVED_CONCURRENCY}
        if not function.access.invoked_asynchronously:
            skips["CKV_AWS_116"] = checkov.SYNC_NO_DLQ
        checkov.skip(cfn, skips)

    def _configure_event(self, function: AppFunction, cfn: CfnResource, event_id: str, event: dict[str, Any]) -> None:
        kind = event["Type"]
        prefix = f"Events.{event_id}.Properties"
        if kind == "SQS":
            if not function.access.consume_notices:
                raise ValueError(f"{function.handler} consumes a queue but ACCESS does not say so")
            # The real queue (an attribute reference, so the mapping is created after the queue).
            cfn.add_property_override(f"{prefix}.Queue", self.queue.queue_arn)
            # The handler returns batchItemFailures: only the failed messages come back.
            cfn.add_property_override(f"{prefix}.FunctionResponseTypes", ["ReportBatchItemFailures"])
            # Bound the senders' concurrency (SMS and SES have their own sending rates).
            cfn.add_property_override(
                f"{prefix}.ScalingConfig", {"MaximumConcurrency": self.config.notice_worker_max_concurrency}
            )
        elif kind == "DynamoDB":
            stream = function.access.stream
            if stream is None:
                raise ValueError(f"{function.handler} reads a stream but ACCESS does not say so")
            # The decorator's stream ARN is the placeholder _environment() made for one table: it must be the
            # table ACCESS names (a handler moved to another stream must have its permissions moved too).
            table_name = self.settings.table_names()[stream.table]
            if f":table/{table_name}/stream/" not in str(event["Properties"].get("Stream")):
                raise ValueError(
                    f"{function.handler}: app.py's decorator reads {event['Properties'].get('Stream')!r}, "
                    f"but ACCESS says the stream of {stream.table!r}"
                )
            cfn.add_property_override(f"{prefix}.Stream", self.tables[stream.table].table_stream_arn)
            # TRIM_HORIZON: a mapping created or re-created later still sees the last 24 h of records;
            # the handlers are idempotent, so records seen twice act once.
            cfn.add_property_override(f"{prefix}.StartingPosition", "TRIM_HORIZON")
            cfn.add_property_override(
                f"{prefix}.FilterCriteria", {"Filters": [{"Pattern": json.dumps(dict(stream.records))}]}
            )
            cfn.add_property_override(f"{prefix}.MaximumRetryAttempts", STREAM_MAX_RETRIES)
            cfn.add_property_override(f"{prefix}.MaximumRecordAgeInSeconds", STREAM_MAX_RECORD_AGE_S)
            cfn.add_property_override(f"{prefix}.BisectBatchOnFunctionError", True)
            cfn.add_property_override(
                f"{prefix}.DestinationConfig",
                {"OnFailure": {"Destination": self.stream_failures[stream.failures].queue_arn}},
            )
        elif kind == "SNS":
            if function.handler != "ses_feedback":
                raise ValueError(f"{function.handler} subscribes to a topic infra/ does not know")
            cfn.add_property_override(f"{prefix}.Topic", self.ses_feedback.topic_arn)
        elif kind == "Schedule":
            cfn.add_property_override(f"{prefix}.Name", function.name)
            cfn.add_property_override(f"{prefix}.Description", f"{function.access.purpose} (UTC cron from app.py)")
            cfn.add_property_override(f"{prefix}.State", "ENABLED")
        else:
            raise ValueError(f"{function.handler}: event source {kind} is not deployed by infra/ yet")

    # --- least privilege --------------------------------------------------------------------

    def _statements(self, function: AppFunction, log_group: logs.LogGroup) -> list[iam.PolicyStatement]:
        access = function.access
        statements = [
            iam.PolicyStatement(sid="OwnLogs", actions=list(LOG_WRITE), resources=[f"{log_group.log_group_arn}"]),
            # X-Ray's trace-writing actions have no resource type: "*" is the only resource they accept.
            iam.PolicyStatement(sid="Tracing", actions=list(XRAY_WRITE), resources=["*"]),
            iam.PolicyStatement(sid="DataKey", actions=list(KMS_USE), resources=[self.key.key_arn]),
        ]
        for table_name, use in sorted(access.tables.items()):
            if table_name not in self.tables:
                raise KeyError(f"{function.handler}: ACCESS names table {table_name!r}, which has no model")
            table = self.tables[table_name]
            known = {index.name for index in self.specs[table_name].indexes}
            unknown = set(use.indexes) - known
            if unknown:
                raise KeyError(f"{function.handler}: {table_name} has no index {sorted(unknown)} in the models")
            sid = "".join(part.capitalize() for part in table_name.split("_"))
            actions = sorted(set(use.actions) | ({QUERY} if use.query else set()))
            if actions:
                statements.append(iam.PolicyStatement(sid=f"{sid}Table", actions=actions, resources=[table.table_arn]))
            if use.indexes:
                statements.append(
                    iam.PolicyStatement(
                        sid=f"{sid}Indexes",
                        actions=[QUERY],
                        resources=[f"{table.table_arn}/index/{index}" for index in sorted(use.indexes)],
                    )
                )
        if access.id_copies:
            statements.append(
                iam.PolicyStatement(
                    sid="IdCopies",
                    actions=sorted(access.id_copies),
                    resources=[self.id_copies.arn_for_objects("id-copies/*")],
                )
            )
        if access.vneid_secret:
            parameter = self.config.vneid_secret_parameter
            statements.append(
                iam.PolicyStatement(
                    sid="VneidClientSecret",
                    actions=["ssm:GetParameter"],
                    resources=[f"arn:aws:ssm:{self.region}:{self.account}:parameter{parameter}"],
                )
            )
        if access.send_notices:
            statements.append(
                iam.PolicyStatement(sid="QueueNotices", actions=list(QUEUE_SEND), resources=[self.queue.queue_arn])
            )
        if access.consume_notices:
            statements.append(
                iam.PolicyStatement(sid="ConsumeNotices", actions=list(QUEUE_CONSUME), resources=[self.queue.queue_arn])
            )
        if access.dead_letter_notices:
            statements.append(
                iam.PolicyStatement(
                    sid="DeadLetterNotices", actions=list(QUEUE_SEND), resources=[self.dead_letters.queue_arn]
                )
            )
        if access.stream is not None:
            stream_sid = "".join(part.capitalize() for part in access.stream.table.split("_"))
            statements.append(
                iam.PolicyStatement(
                    sid=f"{stream_sid}Stream",
                    actions=list(STREAM_READ),
                    # The table's streams, as AWS documents for Lambda (ListStreams is checked on this too).
                    resources=[f"{self.tables[access.stream.table].table_arn}/stream/*"],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="StreamFailures",
                    actions=["sqs:SendMessage"],
                    resources=[self.stream_failures[access.stream.failures].queue_arn],
                )
            )
        if access.invoked_asynchronously:
            statements.append(
                iam.PolicyStatement(
                    sid="AsyncFailures", actions=["sqs:SendMessage"], resources=[self.async_failures.queue_arn]
                )
            )
        if access.send_sms:
            # An SMS to a phone number has no ARN: sns:Publish must allow "*". The deny keeps that
            # allowance from reaching any topic.
            statements.append(iam.PolicyStatement(sid="SendSms", actions=["sns:Publish"], resources=["*"]))
            statements.append(
                iam.PolicyStatement(
                    sid="SmsThroughSns",
                    actions=list(SMS_SEND_VIA_SNS),
                    resources=["*"],
                    conditions=CALLED_VIA_SNS,
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="NoTopicPublish",
                    effect=iam.Effect.DENY,
                    actions=["sns:Publish"],
                    resources=[f"arn:{self.partition}:sns:*:*:*"],
                )
            )
        if access.send_email:
            identity_base = f"arn:{self.partition}:ses:{self.region}:{self.account}:identity"
            statements.append(
                iam.PolicyStatement(
                    sid="SendEmail",
                    # SendRawEmail: the declarant's confirmation carries Form 01 as a PDF attachment.
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=[
                        f"{identity_base}/{self.config.email_domain}",
                        f"{identity_base}/{self.config.email_sender}",
                        f"arn:{self.partition}:ses:{self.region}:{self.account}:configuration-set/"
                        f"{self.configuration_set.configuration_set_name}",
                    ],
                    conditions={"StringEquals": {"ses:FromAddress": self.config.email_sender}},
                )
            )
        return statements

    def _replace_policy(self, function: AppFunction, log_group: logs.LogGroup) -> None:
        role = self.chalice.get_resource(function.role_logical_id)
        document = iam.PolicyDocument(statements=self._statements(function, log_group))
        role.add_property_override("RoleName", function.name)
        role.add_property_override("Policies", [{"PolicyName": function.name, "PolicyDocument": document}])
        if function.access.send_sms:
            checkov.skip(
                role,
                {
                    "CKV_AWS_111": (
                        "sns:Publish to a phone number has no ARN, so IAM accepts only '*'; the same policy denies "
                        "Publish to every topic. Every data action names its table, index, queue or key."
                    )
                },
            )

    # --- API --------------------------------------------------------------------------------

    def _api(self) -> None:
        api = self.chalice.get_resource("RestAPI")
        api.add_property_override("Name", self.config.name("api"))
        # With OpenApiVersion set, SAM does not add its extra "Stage" stage (which would have no
        # throttling, access logs or tracing). The definition Chalice writes is Swagger 2.0.
        api.add_property_override("OpenApiVersion", "2.0")
        api.add_property_override("TracingEnabled", True)
        api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": self.api_access_logs.log_group_arn, "Format": json.dumps(ACCESS_LOG_FORMAT)},
        )
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.config.api_throttle_rate,
                    "ThrottlingBurstLimit": self.config.api_throttle_burst,
                    "MetricsEnabled": True,
                    # Execution logs would copy request data (personal data) into an unmanaged log group;
                    # the access log above has what operators need.
                    "LoggingLevel": "OFF",
                    "DataTraceEnabled": False,
                }
            ],
        )
        # Per-source limits before API Gateway (WAF), complementing the per-account ones in DynamoDB.
        self.firewall = ApiFirewall(self, "ApiFirewall", config=self.config, api_id=api.ref, stage=API_GATEWAY_STAGE)
        # The stage is made by SAM's transform of RestAPI (logical id RestAPI<stage>Stage): it exists
        # only after the transform, which cfn-lint applies (and checks the reference) but CDK does not.
        self.firewall.association.add_override("DependsOn", [f"RestAPI{API_GATEWAY_STAGE}Stage"])
        Validations.of(self.firewall.association).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::E3005",
                reason="RestAPI<stage>Stage is the stage SAM's transform creates from RestAPI",
            )
        )
        # What API Gateway answers itself (no or refused token, unknown route, throttling ...) is a problem,
        # as the service's own answers are (chalicelib/api/gateway_responses.py; local/gateway.py answers
        # the same locally). A method a path does not have: a mock ANY method answers 405 with Allow.
        from chalicelib.api.gateway_responses import swagger_gateway_responses, swagger_method_not_allowed

        api.add_property_override(
            "DefinitionBody.x-amazon-apigateway-gateway-responses",
            swagger_gateway_responses(self.config.cors_origin),
        )
        for path, method in swagger_method_not_allowed(self.api_paths, self.config.cors_origin).items():
            escaped = path.replace(".", "\\.")  # a literal dot in an override path
            api.add_property_override(f"DefinitionBody.paths.{escaped}.x-amazon-apigateway-any-method", method)
        checkov.skip(
            api,
            {
                "CKV_AWS_120": (
                    "No response caching: every answer is per person or per officer (status, sessions, "
                    "accounts) and must never be served to someone else."
                ),
            },
        )
        if self.config.manage_apigateway_account:
            # Access logs need the account-wide CloudWatch role of API Gateway (one per account and region).
            role = iam.Role(
                self,
                "ApiGatewayLogsRole",
                role_name=self.config.name("apigateway-logs"),
                assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                managed_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
                ],
            )
            account = apigw.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
            account.apply_removal_policy(RemovalPolicy.RETAIN)
            api.add_resource_dependency(account)

    # --- outputs ----------------------------------------------------------------------------

    def _outputs(self) -> None:
        CfnOutput(self, "NotificationQueueUrl", value=self.queue.queue_url)
        CfnOutput(self, "NotificationDeadLetterQueueUrl", value=self.dead_letters.queue_url)
        CfnOutput(self, "OperatorTopicArn", value=self.operators.topic_arn)
        CfnOutput(self, "DataKeyArn", value=self.key.key_arn)
        CfnOutput(self, "IdCopiesBucket", value=self.id_copies.bucket_name)
        CfnOutput(self, "DashboardName", value=self.monitoring.dashboard_name)
        if self.email_identity is not None:
            for n, (name, value) in enumerate(
                (
                    (self.email_identity.dkim_dns_token_name1, self.email_identity.dkim_dns_token_value1),
                    (self.email_identity.dkim_dns_token_name2, self.email_identity.dkim_dns_token_value2),
                    (self.email_identity.dkim_dns_token_name3, self.email_identity.dkim_dns_token_value3),
                ),
                start=1,
            ):
                CfnOutput(self, f"DkimRecord{n}", value=f"{name} CNAME {value}", description="Publish in DNS")


_ATTRIBUTE_TYPES = {"S": "STRING", "N": "NUMBER", "B": "BINARY"}

# ID-copy retention (docs/operations.md "ID-document copies"): the tag the service sets, and the days.
ID_COPY_RETENTION_TAG = "retention"
ID_COPY_UNCHECKED_DAYS = 1  # uploaded, never checked (or refused and not yet deleted)
ID_COPY_REJECTED_DAYS = 90  # a rejected or cancelled dossier: the time to complain about the decision
ID_COPY_NONCURRENT_DAYS = 30  # a replaced copy

# API Gateway access log: what operators need to follow a request, no personal data (no query string,
# no path values: the resource path is the template, e.g. /v1/declarations/{declaration_id}).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "authorizerStatus": "$context.authorizer.status",
    "authorizerLatency": "$context.authorizer.latency",
    "errorType": "$context.error.responseType",
    "sourceIp": "$context.identity.sourceIp",
    "xrayTraceId": "$context.xrayTraceId",
}


@contextlib.contextmanager
def _packaging(region: str, outdir: str | None) -> Iterator[None]:
    """Run ``chalice package`` without side effects on this process.

    Chalice imports app.py in-process after copying the stage's environment
    variables into ``os.environ`` (app.py reads the queue, stream and topic names
    at import), writes its output under the current directory (``chalice.out``)
    and needs a region for botocore. All three are undone afterwards, and app.py
    is imported afresh each time so a second synthesis sees its own settings.
    """
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    sys.modules.pop("app", None)
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    work = Path(outdir or tempfile.mkdtemp(prefix="bhxh-cdk-"))
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.modules.pop("app", None)
