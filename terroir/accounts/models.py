"""People and the organisations they act for.

A person (Django's user, logging in by e-mail) belongs to organisations (directory actors) through
memberships; their roles follow from what those organisations are (producer, buyer, carrier). A role that
opens other people's data (carrier: the orders, addresses and phones of every party of its rounds) is not
taken but granted: the organisation asks (RoleRequest) and a coordinator decides. Territory coordinators
are staff. Nothing here has side effects: writes go through terroir.accounts.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor


class Preference(models.Model):
    """What a person chose for themselves: today the language Terroir writes to them in (every e-mail the
    platform sends them), set from the language switcher while signed in and on their space; a new account
    starts with the language it signed up in (adapter.save_user). A person without a row (an account made
    before, or by the admin) has chosen nothing: the e-mails use the language they used, else the site's —
    nothing relies on the row being there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"


class Membership(models.Model):
    """A person may act for an organisation: edit its profile, its places, its products."""

    class How(models.TextChoices):
        CREATED = "created", _("created the organisation")
        EMAIL = "email", _("confirmed through the e-mail on file")
        COORDINATOR = "coordinator", _("confirmed by a coordinator")
        MEMBER = "member", _("confirmed by a member of the organisation")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="memberships")
    how = models.CharField(max_length=20, choices=How.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # When the owners were last reminded that the entry had not been verified for too long.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "actor"], name="membership_unique")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} → {self.actor}"


class RoleRequest(models.Model):
    """An organisation asks for a role that needs the coordinators' trust (today: carrier)."""

    class Role(models.TextChoices):
        CARRIER = "carrier", _("carrier")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_requests")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="role_requests")
    role = models.CharField(max_length=20, choices=Role.choices)
    message = models.TextField(_("message to the coordinators"), blank=True, max_length=2000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "role"], condition=Q(status="pending"), name="role_request_one_pending"
            )
        ]
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")

    def __str__(self) -> str:
        return f"{self.actor} asks to be {self.role}"


class ApiToken(models.Model):
    """A key a partner site sends as `Authorization: Bearer <key>`. Only a digest is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read, and write my own records")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    # The first characters of the key, shown to tell keys apart and used to find the row.
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
