from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "terroir.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from .language import signed_in

        # Signing in switches the pages to the language the person chose (terroir.accounts.language).
        user_logged_in.connect(signed_in, dispatch_uid="terroir.accounts.language.signed_in")
