from django.apps import AppConfig


class AnalystConfig(AppConfig):
    """The web UI: views, forms, charts, the watchlist and notifications. Nothing imports it;
    it hears of changes through the signals of offerings and diligence."""

    name = "analyst"
    verbose_name = "Analyst"

    def ready(self) -> None:
        from analyst import receivers

        receivers.connect()
