"""`manage.py makemessages` as `make messages` runs it on the real catalogue: Django's, except that msgmerge
never guesses. A new string close to an old one would otherwise get the old one's translation marked fuzzy,
which compilemessages leaves out, so the page would show English until someone noticed."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
