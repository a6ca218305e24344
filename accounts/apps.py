from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from accounts import checks, receivers  # noqa: F401 (checks registers the checks)
        from accounts.services import lockout_record, session_start

        receivers.connect()

        user_locked_out.connect(lockout_record, dispatch_uid="accounts.lockout_record")
        user_logged_in.connect(session_start, dispatch_uid="accounts.session_start")
