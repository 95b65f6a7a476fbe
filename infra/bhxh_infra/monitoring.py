"""Alarms to the operators' topic and the environment's dashboard.

Each alarm's description names its runbook section in docs/operations.md.
Application metrics are Powertools EMF metrics: namespace ``BHXH/Registration``,
dimension ``service=bhxh-registration`` (chalicelib/observability.py).
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .config import InfraConfig

NAMESPACE = "BHXH/Registration"
SERVICE = "bhxh-registration"
RUNBOOK = "docs/operations.md"
OLDEST_NOTICE_ALARM_S = 600  # ten minutes: the legal limit is 15 from decision to provider
NOTICE_LATENCY_TARGET_S = 60
NOTICE_LATENCY_LIMIT_S = 900
UNDELIVERED_ALARM_PERCENT = 10  # of the receipts of an hour
UNDELIVERED_MIN_RECEIPTS = 20  # fewer receipts in an hour say too little to alarm on
# Decisions that went again by the other channel (domain.fallback), or had none to go by, in an hour.
FALLBACK_ALARM_PER_HOUR = 50


def app_metric(
    name: str, statistic: str = "Sum", period: Duration | None = None, label: str | None = None
) -> cw.Metric:
    return cw.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE},
        statistic=statistic,
        period=period or Duration.hours(1),
        label=label or name,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: InfraConfig,
        functions: dict[str, str],  # handler -> function name
        queue: sqs.IQueue,
        dead_letters: dict[str, sqs.IQueue],  # queue name -> queue
        api_name: str,
        api_stage: str,
        sms_spend_limit: CfnParameter,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.alarms: list[cw.Alarm] = []
        self._action = actions.SnsAction(topic)

        # Dead letters > 0: a notice (or a stream batch of either stream handler, or a daily job's event) gave up.
        for queue_name, dlq in dead_letters.items():
            short = queue_name.removeprefix(config.prefix)
            self._alarm(
                f"DeadLetters{_camel(short.replace('-', '_'))}",
                f"{short}-not-empty",
                dlq.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(1)),
                threshold=0,
                comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=f"Messages are waiting in {queue_name}: something failed for good.",
                runbook="dead-letters",
            )
        # Oldest queued notice > 10 minutes: the 15-minute legal limit is at risk.
        self.queue_age = queue.metric_approximate_age_of_oldest_message(statistic="Maximum", period=Duration.minutes(1))
        self._alarm(
            "OldestNotice",
            "oldest-notice-over-10-minutes",
            self.queue_age,
            threshold=OLDEST_NOTICE_ALARM_S,
            comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description="A notice has waited more than 10 minutes in the queue (legal limit: 15 from the decision).",
            runbook="oldest-notice",
        )
        # API 5xx rate: a 5xx is always a defect.
        api_dims = {"ApiName": api_name, "Stage": api_stage}
        five_xx = cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions_map=api_dims,
            statistic="Sum",
            period=Duration.minutes(5),
        )
        four_xx = cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name="4XXError",
            dimensions_map=api_dims,
            statistic="Sum",
            period=Duration.minutes(5),
        )
        requests = cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name="Count",
            dimensions_map=api_dims,
            statistic="Sum",
            period=Duration.minutes(5),
        )
        self.api_5xx_rate = cw.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics={"errors": five_xx, "requests": requests},
            label="API 5xx (% of requests)",
            period=Duration.minutes(5),
        )
        self._alarm(
            "Api5xxRate",
            "api-5xx-rate",
            self.api_5xx_rate,
            threshold=config.api_5xx_alarm_percent,
            comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"More than {config.api_5xx_alarm_percent:g}% of API requests answered 5xx over 5 minutes.",
            runbook="api-5xx-rate",
        )
        # Every function: errors and throttles.
        self.function_errors: list[cw.Metric] = []
        for handler, function_name in sorted(functions.items()):
            dims = {"FunctionName": function_name}
            errors = cw.Metric(
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions_map=dims,
                statistic="Sum",
                period=Duration.minutes(5),
                label=function_name,
            )
            throttles = cw.Metric(
                namespace="AWS/Lambda",
                metric_name="Throttles",
                dimensions_map=dims,
                statistic="Sum",
                period=Duration.minutes(5),
                label=function_name,
            )
            self.function_errors.append(errors)
            suffix = function_name.removeprefix(config.prefix)
            self._alarm(
                f"Errors{_camel(handler)}",
                f"{suffix}-errors",
                errors,
                threshold=0,
                comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=f"{function_name} raised errors (unhandled exceptions or timeouts).",
                runbook="function-errors",
            )
            self._alarm(
                f"Throttles{_camel(handler)}",
                f"{suffix}-throttles",
                throttles,
                threshold=0,
                comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=f"{function_name} was throttled (account or function concurrency exhausted).",
                runbook="function-throttles",
            )
        # SMS spend near the monthly limit (a CloudFormation parameter): compared as a percentage.
        self.sms_spend = cw.Metric(
            namespace="AWS/SNS", metric_name="SMSMonthToDateSpentUSD", statistic="Maximum", period=Duration.minutes(5)
        )
        self.sms_spend_percent = cw.MathExpression(
            expression=f"100 * spend / {sms_spend_limit.value_as_string}",
            using_metrics={"spend": self.sms_spend},
            label="SMS spend (% of the monthly limit)",
            period=Duration.minutes(5),
        )
        self._alarm(
            "SmsSpend",
            "sms-spend-near-limit",
            self.sms_spend_percent,
            threshold=config.sms_spend_alarm_percent,
            comparison=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            description=(
                f"SMS spend this month reached {config.sms_spend_alarm_percent}% of the limit; at 100% SNS stops "
                "sending SMS until the month ends."
            ),
            runbook="sms-spend",
        )

        # Delivery receipts (SNS SMS status logs, SES events): the share of notices that did not arrive.
        delivered = app_metric("NoticesDelivered")
        undelivered = app_metric("NoticesUndelivered")
        self.undelivered_rate = cw.MathExpression(
            expression=f"IF(delivered + undelivered >= {UNDELIVERED_MIN_RECEIPTS}, "
            "100 * undelivered / (delivered + undelivered), 0)",
            using_metrics={"delivered": delivered, "undelivered": undelivered},
            label="Notices not delivered (% of receipts, 1 hour)",
            period=Duration.hours(1),
        )
        self._alarm(
            "NoticesUndeliveredRate",
            "notices-undelivered-rate",
            self.undelivered_rate,
            threshold=UNDELIVERED_ALARM_PERCENT,
            comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=(
                f"More than {UNDELIVERED_ALARM_PERCENT}% of the SMS and emails with a receipt in the last hour "
                "did not reach the person (carrier failures, bounces, rejects)."
            ),
            runbook="notices-undelivered-rate",
        )

        # Fallback volume: decisions that did not arrive by one channel and went by the other (or could not).
        self.fallbacks = cw.MathExpression(
            expression="queued + unavailable",
            using_metrics={
                "queued": app_metric("NoticeFallbacks"),
                "unavailable": app_metric("NoticeFallbacksUnavailable"),
            },
            label="Decisions fallen back to the other channel (1 hour)",
            period=Duration.hours(1),
        )
        self._alarm(
            "NoticeFallbacks",
            "notice-fallbacks",
            self.fallbacks,
            threshold=FALLBACK_ALARM_PER_HOUR,
            comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=(
                f"More than {FALLBACK_ALARM_PER_HOUR} decisions in the last hour did not reach the person by SMS "
                "(failed, or no receipt in time) or by email (hard bounce) and went by the other channel, or "
                "had none to go by."
            ),
            runbook="notice-fallbacks",
        )

        self.dashboard_name = config.name("dashboard")
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=self.dashboard_name)
        self._widgets(five_xx, four_xx, requests, dead_letters)

    def _alarm(
        self,
        construct_id: str,
        name: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        comparison: cw.ComparisonOperator,
        description: str,
        runbook: str,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=self.config.name(name),
            alarm_description=f"{description} Runbook: {RUNBOOK}#{runbook}",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _widgets(
        self, five_xx: cw.Metric, four_xx: cw.Metric, requests: cw.Metric, dead_letters: dict[str, sqs.IQueue]
    ) -> None:
        day = Duration.hours(1)
        self.dashboard.add_widgets(
            cw.TextWidget(
                markdown=(
                    f"# BHXH registration — {self.config.stage}\n"
                    f"Alarms go to `{self.config.name('operators')}`; what to do: `{RUNBOOK}`."
                ),
                width=24,
                height=2,
            )
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Registrations (per hour)",
                left=[
                    app_metric("DeclarationsSubmitted", period=day, label="online (office channel)"),
                    app_metric("PaperDeclarationsReceived", period=day, label="paper, at the counter"),
                    app_metric("SignIns", period=day, label="sign-ins"),
                    # on_account_issued: new accounts of rostered staff, counted in their unit's progress
                    app_metric("CampaignRegistrationsCounted", period=day, label="counted in the campaign"),
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Decisions (per hour)",
                left=[
                    app_metric("DeclarationsApproved", period=day, label="approved"),
                    app_metric("DeclarationsRejected", period=day, label="rejected"),
                    app_metric("DeclarationsExpired", period=day, label="expired (10 days)"),
                ],
                width=12,
            ),
        )
        latency = [
            app_metric("NoticeLatency", statistic=stat, period=Duration.minutes(5), label=f"notice latency {stat}")
            for stat in ("p50", "p99", "Maximum")
        ]
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Notice latency, decision to provider (s)",
                left=latency,
                left_annotations=[
                    cw.HorizontalAnnotation(value=NOTICE_LATENCY_TARGET_S, label="p99 target 60 s"),
                    cw.HorizontalAnnotation(value=NOTICE_LATENCY_LIMIT_S, label="legal limit 15 min", color="#d13212"),
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Notices (per 5 min) and oldest queued (s)",
                left=[
                    app_metric("NoticesSent", period=Duration.minutes(5), label="sent"),
                    app_metric("NoticesSuppressed", period=Duration.minutes(5), label="suppressed"),
                    app_metric("NoticesDeadLettered", period=Duration.minutes(5), label="dead-lettered"),
                ],
                right=[self.queue_age],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="API requests and errors (per 5 min)",
                left=[requests, four_xx, five_xx],
                right=[self.api_5xx_rate],
                width=8,
            ),
            cw.GraphWidget(title="Function errors (per 5 min)", left=list(self.function_errors), width=8),
            cw.GraphWidget(
                title="Dead letters and SMS spend",
                left=[
                    q.metric_approximate_number_of_messages_visible(
                        statistic="Maximum", period=Duration.minutes(5), label=name.removeprefix(self.config.prefix)
                    )
                    for name, q in dead_letters.items()
                ],
                right=[self.sms_spend],
                width=8,
            ),
        )
        self.dashboard.add_widgets(cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24))


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))
