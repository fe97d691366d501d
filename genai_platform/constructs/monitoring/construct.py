"""``PlatformMonitoring``: the generative-AI account's dashboard, alarms and objectives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from cdk_monitoring_constructs import DefaultDashboardFactory, MonitoringFacade
from constructs import Construct

from genai_platform.constructs.monitoring.alarms import build_alarms
from genai_platform.constructs.monitoring.dashboard import build_dashboard
from genai_platform.constructs.monitoring.props import MonitoringThresholds, validate
from genai_platform.constructs.monitoring.slo import Slo, build_slos
from genai_platform.constructs.monitoring.sources import Sources

if TYPE_CHECKING:
    from genai_platform.constructs.guardrail import Guardrail
    from genai_platform.constructs.inference_endpoint import InferenceEndpoint
    from genai_platform.constructs.model_catalog import ModelCatalog
    from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi

__all__ = ["PlatformMonitoring"]

CLOUDWATCH_SERVICE = "cloudwatch.amazonaws.com"


class PlatformMonitoring(Construct):
    """One dashboard, one alarm set and the chat objectives for a generative-AI platform.

    Built with cdk-monitoring-constructs' :class:`MonitoringFacade` (one detail dashboard; no
    summary or alarm dashboards, so only one dashboard is billed): sections for the gateway,
    Bedrock, self-hosted endpoints, retrieval, quality and the edge
    (:mod:`.dashboard`); alarms for the failure modes an operator acts on (:mod:`.alarms`);
    availability and per-model latency objectives for ``POST /v1/chat`` with multi-window
    burn-rate alarms (:mod:`.slo`). Every alarm notifies :attr:`alarm_topic` and names its
    runbook section in ``docs/runbooks.md``. The platform's metric names come from the
    handlers' own constants (:mod:`.contract`). With no source at all, only the alert topic
    and an empty dashboard are built.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        inference_api: GuardedInferenceApi | None = None,
        model_catalog: ModelCatalog | None = None,
        guardrail: Guardrail | None = None,
        endpoints: Mapping[str, InferenceEndpoint] | None = None,
        knowledge_bases: Sequence[str] = (),
        alarm_topic: sns.ITopic | None = None,
        encryption_key: kms.IKey | None = None,
        alert_emails: Sequence[str] = (),
        dashboard_name: str | None = None,
        availability_objective_percent: float = 99.9,
        latency_objective_percent: float = 99.0,
        latency_target_ms: float = 10_000.0,
        latency_targets_ms: Mapping[str, float] | None = None,
        server_error_rate_percent: float = 5.0,
        breaker_opens_threshold: float = 1.0,
        fallbacks_threshold: float = 10.0,
        guardrail_intervention_band_width: float = 3.0,
        feedback_down_rate_percent: float = 30.0,
        feedback_min_ratings: int = 10,
        wake_up_failures_threshold: float = 1.0,
        ingestion_failures_threshold: float = 1.0,
        lambda_throttles_threshold: float = 1.0,
    ) -> None:
        """
        Args:
            inference_api: The guarded inference API. Default: no gateway, quality, edge or
                chat-objective sections and alarms.
            model_catalog: The approved models: Bedrock panels per model id. Default: no
                Bedrock model panels.
            guardrail: The platform guardrail: interventions by policy type and the
                intervention-rate anomaly alarm. Default: no guardrail panels or alarm.
            endpoints: Self-hosted endpoints by name: a panel each and the wake-up alarm.
                Default: no endpoint section or wake-up alarm.
            knowledge_bases: Knowledge base aliases (the ``KnowledgeBase`` dimension) the
                ingestion alarm watches. Default: none (retrieval panels still search every
                knowledge base; no ingestion alarm).
            alarm_topic: Where every alarm publishes. Default: a topic is created, encrypted
                with ``encryption_key``, TLS-only, that CloudWatch may publish to.
            encryption_key: Key of the created topic. Default: a rotating key is created
                (only when no ``alarm_topic`` is given).
            alert_emails: Addresses subscribed to the alert topic. Default: no subscription
                (subscribe to :attr:`alarm_topic` yourself).
            dashboard_name: The dashboard's name. Default: ``<stack name>-platform``.
            availability_objective_percent: Share of ``POST /v1/chat`` requests not answered
                5xx over 28 days, above 0 and below 100. Default: 99.9.
            latency_objective_percent: Share of each alias's requests whose model call ends
                within its target over 28 days. Default: 99 (p99 below the target).
            latency_target_ms: Latency target of every alias not in ``latency_targets_ms``
                (also the p99 alarm's threshold). Default: 10,000 ms.
            latency_targets_ms: Latency target per model alias (aliases the gateway serves).
                Default: every alias uses ``latency_target_ms``.
            server_error_rate_percent: The 5xx-rate alarm fires above this share of the API's
                requests in 2 of 3 five-minute periods. Default: 5.
            breaker_opens_threshold: Breaker opens in five minutes (all aliases) that fire
                the breaker alarm. Default: 1.
            fallbacks_threshold: Fallbacks per five minutes that, three periods in a row,
                fire the fallback alarm. Default: 10.
            guardrail_intervention_band_width: Width of the anomaly band (standard
                deviations) the intervention rate must leave, two 15-minute periods in a
                row. Default: 3.
            feedback_down_rate_percent: The down-rate alarm fires above this share of an
                hour's ratings. Default: 30.
            feedback_min_ratings: Ratings an hour needs before the down-rate counts.
                Default: 10.
            wake_up_failures_threshold: ``NoCapacityInvocationFailures`` per five minutes
                that, four periods in a row (an endpoint not waking), fire. Default: 1.
            ingestion_failures_threshold: Failed ingestion jobs plus documents per five
                minutes that fire the ingestion alarm. Default: 1.
            lambda_throttles_threshold: Throttled invocations of the gateway's functions per
                five minutes that fire. Default: 1.
        """
        super().__init__(scope, id)
        self._thresholds = MonitoringThresholds(
            availability_objective_percent=availability_objective_percent,
            latency_objective_percent=latency_objective_percent,
            latency_target_ms=latency_target_ms,
            latency_targets_ms=dict(latency_targets_ms or {}),
            server_error_rate_percent=server_error_rate_percent,
            breaker_opens_threshold=breaker_opens_threshold,
            fallbacks_threshold=fallbacks_threshold,
            guardrail_intervention_band_width=guardrail_intervention_band_width,
            feedback_down_rate_percent=feedback_down_rate_percent,
            feedback_min_ratings=feedback_min_ratings,
            wake_up_failures_threshold=wake_up_failures_threshold,
            ingestion_failures_threshold=ingestion_failures_threshold,
            lambda_throttles_threshold=lambda_throttles_threshold,
        )
        sources = Sources(
            inference_api=inference_api,
            model_catalog=model_catalog,
            guardrail=guardrail,
            endpoints=dict(endpoints or {}),
            knowledge_bases=tuple(knowledge_bases),
        )
        problems = validate(
            self._thresholds,
            aliases=sources.aliases,
            has_api=inference_api is not None,
            knowledge_bases=sources.knowledge_bases,
            dashboard_name=dashboard_name,
            alert_emails=alert_emails,
        )
        if alarm_topic is not None and encryption_key is not None:
            problems.append(
                "encryption_key: given with alarm_topic; the key encrypts a created topic only "
                "(encrypt the given topic where it is defined)"
            )
        if problems:
            raise ValueError("PlatformMonitoring: " + "; ".join(problems))
        stack = cdk.Stack.of(self)
        name = dashboard_name or f"{stack.stack_name}-platform"
        self._sources = sources
        self._alarm_topic = alarm_topic or self._build_topic(encryption_key)
        for address in alert_emails:
            self._alarm_topic.add_subscription(subscriptions.EmailSubscription(address))
        self._facade = MonitoringFacade(
            self,
            "Facade",
            dashboard_factory=DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=name,
                create_dashboard=True,
                create_summary_dashboard=False,
                create_alarm_dashboard=False,
            ),
        )
        build_dashboard(self._facade, sources)
        self._alarms = build_alarms(
            self, sources=sources, thresholds=self._thresholds, topic=self._alarm_topic, prefix=name
        ).alarms
        self._slos = build_slos(
            self, sources=sources, thresholds=self._thresholds, topic=self._alarm_topic, prefix=name
        )

    # ------------------------------------------------------------------ attributes

    @property
    def alarm_topic(self) -> sns.ITopic:
        """The topic every alarm and objective publishes to."""
        return self._alarm_topic

    @property
    def dashboard(self) -> cloudwatch.Dashboard:
        """The platform dashboard."""
        dashboard = self._facade.created_dashboard()
        assert dashboard is not None
        return dashboard

    @property
    def alarms(self) -> Mapping[str, cloudwatch.IAlarm]:
        """The alarms by id (``GatewayServerErrorRate``, ``ModelLatencyP99-<alias>``...)."""
        return dict(self._alarms)

    @property
    def slos(self) -> Mapping[str, Slo]:
        """The objectives by name (``Availability``, ``Latency-<alias>``): each one's composite
        burn-rate alarm and window alarms."""
        return dict(self._slos)

    @property
    def thresholds(self) -> MonitoringThresholds:
        """The thresholds and objectives in force."""
        return self._thresholds

    # ------------------------------------------------------------------ building

    def _build_topic(self, key: kms.IKey | None) -> sns.Topic:
        """A TLS-only topic encrypted with ``key`` (created when absent) that CloudWatch can
        publish to: an encrypted topic needs the publishing service to hold
        ``kms:GenerateDataKey*`` and ``kms:Decrypt`` on its key (Amazon SNS developer guide,
        "Enable compatibility between event sources from AWS services and encrypted topics",
        which lists CloudWatch)."""
        if key is None:
            key = kms.Key(
                self,
                "AlertKey",
                description="encrypts the platform's alarm notifications",
                enable_key_rotation=True,
            )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseKeyForAlerts",
                principals=[iam.ServicePrincipal(CLOUDWATCH_SERVICE)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
            )
        )
        return sns.Topic(
            self,
            "AlertTopic",
            display_name="Platform alerts",
            master_key=key,
            enforce_ssl=True,
        )
