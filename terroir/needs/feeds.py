"""Atom feed of the open public needs (a producer's feed reader follows a product, or everything)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from terroir.directory import numbers
from terroir.directory.models import Category

from .models import Need


class TextAtomFeed(Atom1Feed):
    """Atom whose summaries are plain text: Django's are type="html", which a feed reader renders, and a
    buyer's description is text, not markup."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class NeedsFeed(Feed):
    feed_type = TextAtomFeed
    link = "/needs/"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Category | None:
        slug = request.GET.get("category", "")
        return Category.objects.filter(slug=slug).first() if slug else None

    def title(self, obj: Category | None) -> str:
        if obj is None:
            return _("Needs of local buyers")
        return _("Needs of local buyers: %(product)s") % {"product": obj.name}

    def subtitle(self, obj: Category | None) -> str:
        return _("Open needs published on the platform, newest first.")

    def items(self, obj: Category | None) -> QuerySet[Need]:
        rows = Need.objects.filter(status=Need.Status.OPEN, public=True).select_related("buyer", "category")
        if obj is not None:
            rows = rows.filter(category__path__startswith=obj.path)
        return rows.order_by("-published_at")[:50]

    def item_title(self, item: Need) -> str:
        return f"{item.title} — {item.buyer.name}"

    def item_description(self, item: Need) -> str:
        quantity = f"{numbers.quantity(item.quantity, item.unit)}, {item.get_frequency_display()}"
        return f"{item.category.name}: {quantity}. {item.description}".strip()

    def item_pubdate(self, item: Need) -> dt.datetime | None:
        return item.published_at

    def item_link(self, item: Need) -> str:
        return item.get_absolute_url()
