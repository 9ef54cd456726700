"""What people contribute to the directory and how it is decided: revisions of entries (undoable),
suggested corrections and their moderation, claims to manage an entry, and the audit log of
coordinators' actions.

The models first lived in `directory` (Revision, Suggestion) and `accounts` (Claim, AuditEntry): they keep
their tables. Nothing here has side effects: writes go through this app's services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Actor, Entity, Place


class Revision(models.Model):
    """One change to a directory entry: who, when, from where, and each field's old and new value."""

    class Origin(models.TextChoices):
        EDIT = "edit", _("edit")
        SUGGESTION = "suggestion", _("accepted suggestion")
        REVERT = "revert", _("revert")
        VERIFY = "verify", _("confirmed as still true")
        API = "api", _("API")
        # Written by an import or a merge of sources: the only origin that does not make a field the
        # owner's (terroir.contributions.editing.owned_fields).
        IMPORT = "import", _("import")

    entity = models.CharField(max_length=20, choices=Entity.choices)
    entity_id = models.BigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    # {field: [old, new]} in JSON values (commune by INSEE code, dates in ISO 8601).
    changes = models.JSONField()
    reverts = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reverted_by")
    suggestion = models.ForeignKey(
        "Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    # What made a change nobody typed: the import run ("import #12 · bio · producteurs.csv").
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        db_table = "directory_revision"  # the table of the model's first home, kept
        indexes = [models.Index(fields=["entity", "entity_id", "at"], name="revision_entity")]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} at {self.at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """A correction, or the report of a closed place, waiting for a coordinator or the owner."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        CLOSED = "closed", _("closed place")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    class Origin(models.TextChoices):
        PERSON = "person", _("a person")
        # A source's value for a field the owner edited on the platform: offered, never written.
        IMPORT = "import", _("an imported source")

    entity = models.CharField(max_length=20, choices=Entity.choices)
    entity_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.PERSON)
    # {field: [value the suggestion was made against, suggested value]}: the value the person saw on the
    # page they corrected (or the API client read), so that a newer edit by the owner is seen when deciding.
    changes = models.JSONField(default=dict)
    # The entry's version (terroir.directory.editing.version_of) that person saw; empty before it was kept.
    version = models.CharField(max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    # A visitor without an account may leave an address to hear about the decision.
    email = models.EmailField(_("your e-mail (optional)"), blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        db_table = "directory_suggestion"
        indexes = [models.Index(fields=["entity", "entity_id", "status"], name="suggestion_entity")]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return f"{self.kind} for {self.entity} {self.entity_id}"


class Claim(models.Model):
    """Somebody asks to manage an existing directory entry (a producer or a place)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims")
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="claims")
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.CASCADE, related_name="claims")
    message = models.TextField(_("message to the coordinators"), blank=True, max_length=2000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # The address on file the confirmation link was sent to (empty: coordinators decide).
    sent_to = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_claim"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False, place__isnull=True) | Q(actor__isnull=True, place__isnull=False),
                name="claim_one_entry",
            )
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.user} claims {self.entry}"

    @property
    def entry(self) -> Actor | Place:
        entry = self.actor or self.place
        assert entry is not None
        return entry


# The audit log stores stable action codes; people read them in words, in their language.
AUDIT_ACTIONS = {
    "entry_edit": _("edited an entry"),
    "revision_revert": _("reverted a change"),
    "admin_edit": _("edited an entry in the administration"),
    "claim_confirm": _("confirmed a claim"),
    "claim_reject": _("rejected a claim"),
    "suggestion_accepted": _("accepted a suggestion"),
    "suggestion_rejected": _("rejected a suggestion"),
    "role_grant": _("granted a role"),
    "role_refuse": _("refused a role"),
    "token_revoke": _("revoked an API key"),
    "event_create": _("created a meeting day"),
    "event_schedule": _("scheduled a meeting day"),
    "merge_same": _("decided two records are the same"),
    "merge_different": _("decided two records are different"),
    "merge_split": _("split an automatic merge"),
    "import_start": _("started an import"),
    "mapping_save": _("saved an import mapping"),
}


class AuditEntry(models.Model):
    """What a coordinator did: decisions on claims and suggestions, reverts, edits of others' entries,
    roles given, imports."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept when the account is deleted, so that the log still says who acted.
    by_label = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    target = models.CharField(max_length=60, blank=True)
    summary = models.CharField(max_length=500)

    class Meta:
        db_table = "accounts_auditentry"
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by_label} {self.action} {self.target}"

    @property
    def action_label(self) -> str:
        """The action in words; a code unknown to this version is shown as it is rather than hidden."""
        return str(AUDIT_ACTIONS.get(self.action, self.action))
