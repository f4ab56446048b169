from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Mail and webhooks about what needs a person's attention (top layer: nothing imports it).

    It listens to the signals the other apps own and sends nothing back to them.
    """

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
