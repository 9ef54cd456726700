"""An agreement's frequency and delivery days changed from a given week on: the orders of the weeks before
stay (the same orders), those of that week and later are made again by the new schedule, counted from that
week; the change is in the agreement's history, both sides are told, and the weeks the worker adds later
follow the schedule of the segment they fall in. Every role on the page; bad input said in French."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from terroir.conftest import person
from terroir.needs.models import Notification
from terroir.supply import schedule, services
from terroir.supply.models import Agreement, AgreementChange
from terroir.supply.tests.test_agreements import THIS_MONDAY, TODAY, client_of, offer, orders_of

pytestmark = pytest.mark.django_db
TUESDAY, THURSDAY = 0b10, 0b1000


def weeks_of(agreement: Agreement) -> list[dt.date]:
    return [o.week for o in orders_of(agreement)]


def week(n: int) -> dt.date:
    return THIS_MONDAY + dt.timedelta(weeks=n)


def test_segments_follow_each_schedule_from_its_week() -> None:
    segments = [(dt.date(2026, 11, 30), "weekly", TUESDAY), (dt.date(2026, 12, 14), "fortnightly", THURSDAY)]
    found = schedule.weeks_in_segments(segments=segments, ends=None, months=4095, first=dt.date(2026, 11, 30),
                                       last=dt.date(2027, 1, 11))  # fmt: skip
    assert found == [
        (dt.date(2026, 11, 30), TUESDAY),
        (dt.date(2026, 12, 7), TUESDAY),
        (dt.date(2026, 12, 14), THURSDAY),
        (dt.date(2026, 12, 28), THURSDAY),
        (dt.date(2027, 1, 11), THURSDAY),
    ]
    # A schedule replaced on the very week it began never applies.
    same_week = [*segments, (dt.date(2026, 12, 14), "monthly", TUESDAY)]
    found = schedule.weeks_in_segments(segments=same_week, ends=None, months=4095, first=dt.date(2026, 12, 14),
                                       last=dt.date(2027, 1, 18))  # fmt: skip
    assert found == [(dt.date(2026, 12, 14), TUESDAY), (dt.date(2027, 1, 11), TUESDAY)]


def test_weekly_becomes_fortnightly_from_a_week_on_keeping_the_weeks_before(territory: Any, people: Any) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    assert weeks_of(agreement) == [week(0), week(1), week(2), week(3)]
    kept = {o.week: o.pk for o in orders_of(agreement) if o.week < week(2)}
    Notification.objects.all().delete()
    services.agreement_reschedule(agreement=agreement, by=people.sophie, frequency="fortnightly",
                                  weekdays=THURSDAY, effective_from=week(2) + dt.timedelta(days=2),
                                  today=TODAY)  # fmt: skip
    orders = orders_of(agreement)
    assert [o.week for o in orders] == [week(0), week(1), week(2)]  # week 3 is an off week now
    assert {o.week: o.pk for o in orders if o.week < week(2)} == kept  # the same orders, untouched
    assert [o.weekdays for o in orders] == [TUESDAY, TUESDAY, THURSDAY]
    change = AgreementChange.objects.get(kind=AgreementChange.Kind.SCHEDULE)
    assert change.effective_from == week(2) and change.by == people.sophie
    assert change.changes == {"frequency": ["weekly", "fortnightly"], "weekdays": [TUESDAY, THURSDAY]}
    assert Notification.objects.filter(user=people.claire, kind=Notification.Kind.AGREEMENT).exists()
    # Weeks the worker adds later follow the new schedule, counted from its week.
    services.agreements_extend(today=TODAY + dt.timedelta(weeks=3))
    assert weeks_of(agreement) == [week(0), week(1), week(2), week(4), week(6)]


def test_a_schedule_from_beyond_the_horizon_leaves_the_weeks_before_it_on_the_old_one(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)
    services.agreement_reschedule(agreement=agreement, by=people.claire, frequency="monthly", weekdays=THURSDAY,
                                  effective_from=week(6), today=TODAY)  # fmt: skip
    assert weeks_of(agreement) == [week(0), week(1), week(2), week(3)]  # nothing to remake yet
    services.agreements_extend(today=TODAY + dt.timedelta(weeks=2))  # the worker, week after week
    services.agreements_extend(today=TODAY + dt.timedelta(weeks=6))
    # Weekly until week 5, then once a month from week 6 (the 11th of January): the next, in February.
    assert weeks_of(agreement) == [week(n) for n in (0, 1, 2, 3, 4, 5, 6)]
    assert [o.weekdays for o in orders_of(agreement)][4:] == [TUESDAY, TUESDAY, THURSDAY]  # each its schedule's
    services.agreements_extend(today=TODAY + dt.timedelta(weeks=10))
    assert weeks_of(agreement)[-1] == dt.date(2027, 2, 8)


def test_a_schedule_change_is_refused_for_the_past_a_one_off_the_same_schedule_or_an_outsider(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie, today=TODAY)

    def refused(**changes: Any) -> dict[str, list[str]]:
        values: dict[str, Any] = {"frequency": "fortnightly", "weekdays": TUESDAY, "effective_from": week(1)} | changes
        with pytest.raises(ValidationError) as caught:
            services.agreement_reschedule(agreement=agreement, by=people.sophie, today=TODAY, **values)
        return caught.value.message_dict

    assert "effective_from" in refused(effective_from=week(-1))
    assert "frequency" in refused(frequency="once")
    assert "weekdays" in refused(weekdays=0)
    assert "__all__" in refused(frequency="weekly")
    services.agreement_reschedule(agreement=agreement, by=people.sophie, frequency="monthly", weekdays=TUESDAY,
                                  effective_from=week(3), today=TODAY)  # fmt: skip
    assert "effective_from" in refused(effective_from=week(2))  # before a schedule already set
    with pytest.raises(PermissionDenied):
        services.agreement_reschedule(agreement=agreement, by=person("paul@ailleurs.example.org"),
                                      frequency="weekly", weekdays=TUESDAY, effective_from=week(1))  # fmt: skip
    once = services.agreement_accept(answer=offer(territory, people, frequency="once", title="Une fois"),
                                     by=people.sophie, today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError):
        services.agreement_reschedule(agreement=once, by=people.sophie, frequency="weekly", weekdays=TUESDAY,
                                      effective_from=week(1), today=TODAY)  # fmt: skip


def test_the_agreement_page_changes_the_schedule_for_its_parties_only_and_shows_the_history(
    territory: Any, people: Any
) -> None:
    agreement = services.agreement_accept(answer=offer(territory, people), by=people.sophie)
    url = f"/supply/agreements/{agreement.pk}/schedule/"
    monday = schedule.monday(dt.date.today())
    values = {"frequency": "fortnightly", "weekdays": ["3"], "effective_from": (monday + dt.timedelta(weeks=2))}
    assert client_of(None).post(url, values).status_code == 302  # to log in
    assert client_of(person("paul@ailleurs.example.org")).post(url, values).status_code == 404
    assert client_of(people.hugo).post(url, values).status_code == 404  # not a party to this one
    past = client_of(people.sophie).post(url, values | {"effective_from": monday - dt.timedelta(weeks=1)},
                                         HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert past.status_code == 400 and "Les semaines passées gardent leurs commandes" in past.content.decode()
    assert not AgreementChange.objects.filter(kind=AgreementChange.Kind.SCHEDULE).exists()
    assert client_of(people.claire).post(url, values).status_code == 302
    page = client_of(people.sophie).get(agreement.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    history = page[page.index('id="history"') :]
    assert "Nouveau calendrier" in history and "chaque semaine → toutes les deux semaines" in history
    assert "mardi → jeudi" in history
    assert 'id="pending-schedule"' in page
    services.agreement_change(agreement=Agreement.objects.get(), by=people.sophie, volume="30")
    page = client_of(people.claire).get(agreement.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Volume par livraison\u202f: 40\u00a0kg → 30\u00a0kg" in page  # as French writes it, kept "40.00"
