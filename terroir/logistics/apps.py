from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "terroir.logistics"
    verbose_name = _("Pooled logistics")

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from terroir.directory.background import reaper_register

        from .followers import order_deleting
        from .models import DeliveryOrder
        from .services import runs_reap
        from .studies import studies_reap

        reaper_register(runs_reap)
        reaper_register(studies_reap)
        # A cascade (the producer or the customer deleted) deletes orders without the planner's services.
        pre_delete.connect(order_deleting, sender=DeliveryOrder, dispatch_uid="logistics.order_deleting")
