"""What the flush after a transactional test keeps (`_flush_keeps_reference_data` in terroir/conftest.py): the
reference data the migrations loaded, and every content type and permission — the flush no longer sends
`post_migrate`, whose receivers made them again after each flush. The first test leaves a row to flush."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from terroir.directory.models import Actor, Category, Commune

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transactional_test_commits_a_row_that_the_flush_empties() -> None:
    Actor.objects.create(name="Ferme du test vidé")
    assert Actor.objects.filter(name="Ferme du test vidé").exists()


def test_after_a_flush_every_model_keeps_its_content_type_and_its_permissions_and_the_reference_data() -> None:
    assert not Actor.objects.exists()
    assert Commune.objects.filter(code="63003").exists() and Category.objects.exists()
    for model in apps.get_models():
        meta = model._meta
        kind = ContentType.objects.filter(app_label=meta.app_label, model=meta.model_name).first()
        assert kind is not None, f"{meta.label} lost its content type"
        wanted = {f"{action}_{meta.model_name}" for action in meta.default_permissions}
        have = set(Permission.objects.filter(content_type=kind).values_list("codename", flat=True))
        assert wanted <= have, f"{meta.label} lost its permissions {wanted - have}"
