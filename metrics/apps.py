from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Prometheus metrics at /metrics: a top-layer app (it reads every app; nothing imports it)."""

    name = "metrics"
    verbose_name = "Metrics"
