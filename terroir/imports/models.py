"""What imports remember."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class GeocodeAnswer(models.Model):
    """A geocoding service's answer to one address, so that re-importing a source asks nothing again.
    An address the service did not find is remembered too (without a position)."""

    key = models.CharField(max_length=40, unique=True)  # SHA-1 of the query
    query = models.TextField()
    lat = models.FloatField(null=True)
    lon = models.FloatField(null=True)
    precision = models.CharField(max_length=10, blank=True)
    score = models.FloatField(default=0)
    citycode = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.query
