"""The volunteers' rota: the organiser sets a distribution's tasks, members sign up and withdraw, a full
task takes nobody more (not even two at once), the organiser sees the distributions short of volunteers,
and a volunteer's shifts come as iCalendar at a secret address."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from terroir.conftest import person
from terroir.groups import volunteers
from terroir.groups.models import VolunteerShift, VolunteerTask

from .world_orders import World, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def test_the_usual_tasks_are_set_once_and_only_by_an_organiser(world: World) -> None:
    with pytest.raises(PermissionDenied):
        volunteers.volunteer_tasks_usual(distribution=world.distribution, by=world.jeanne.user)
    tasks = volunteers.volunteer_tasks_usual(distribution=world.distribution, by=world.amap.agnes)
    assert [(t.name, t.needed) for t in tasks] == [("Installation", 1), ("Distribution", 2), ("Rangement", 1)]
    with pytest.raises(ValidationError):
        volunteers.volunteer_tasks_usual(distribution=world.distribution, by=world.amap.agnes)


def test_members_sign_up_until_the_task_is_full_and_withdraw(world: World, people: Any) -> None:
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=1,
                                          by=world.amap.agnes)  # fmt: skip
    shift = volunteers.volunteer_sign_up(task=task, member=world.jeanne, by=world.jeanne.user)
    with pytest.raises(ValidationError, match="tous ses bénévoles"):
        volunteers.volunteer_sign_up(task=task, member=world.paul, by=world.paul.user)
    with pytest.raises(PermissionDenied):  # nobody withdraws another member
        volunteers.volunteer_withdraw(shift=shift, by=world.paul.user)
    with pytest.raises(PermissionDenied):  # nor signs another member up
        volunteers.volunteer_sign_up(task=task, member=world.paul, by=world.jeanne.user)
    volunteers.volunteer_withdraw(shift=shift, by=world.jeanne.user)
    volunteers.volunteer_sign_up(task=task, member=world.paul, by=world.paul.user)
    # Fewer places than volunteers signed up is refused.
    with pytest.raises(ValidationError):
        volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=0, by=world.amap.agnes,
                                       task=task)  # fmt: skip


def test_a_past_distribution_takes_no_more_sign_ups(world: World) -> None:
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=2,
                                          by=world.amap.agnes)  # fmt: skip
    with pytest.raises(ValidationError, match="passée"):
        volunteers.volunteer_sign_up(task=task, member=world.jeanne, by=world.jeanne.user,
                                     today=world.distribution.date + dt.timedelta(days=1))  # fmt: skip


def test_the_organiser_sees_which_distributions_lack_volunteers(world: World) -> None:
    tasks = volunteers.volunteer_tasks_usual(distribution=world.distribution, by=world.amap.agnes)
    volunteers.volunteer_sign_up(task=tasks[0], member=world.jeanne, by=world.jeanne.user)
    volunteers.volunteer_sign_up(task=tasks[1], member=world.paul, by=world.paul.user)
    [row] = volunteers.staffing_of([world.distribution])
    assert (row.needed, row.signed, row.missing) == (4, 2, 2)
    assert [(task.name, n) for task, n in row.short] == [("Distribution", 1), ("Rangement", 1)]
    client = Client()
    client.force_login(world.amap.agnes)
    page = client.get(reverse("groups:volunteers_needed", args=[world.group.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "2 / 4" in text and "Distribution\u202f: 1<br>Rangement\u202f: 1" in text


@pytest.mark.django_db(transaction=True)
def test_two_members_taking_the_last_place_at_once_leave_one_signed_up(territory: Any, people: Any) -> None:
    world = world_build(territory, people)
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=1,
                                          by=world.amap.agnes)  # fmt: skip
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(who: Any) -> None:
        try:
            start.wait()
            volunteers.volunteer_sign_up(task=task, member=who, by=who.user)
            outcomes.append("signed")
        except ValidationError:
            outcomes.append("full")
        except Exception as exc:  # SQLite may answer "database is locked" to the second writer
            outcomes.append(f"failed: {type(exc).__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(who,)) for who in (world.jeanne, world.paul)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("signed") == 1, outcomes
    assert VolunteerShift.objects.filter(task=task).count() == 1


def test_a_volunteers_shifts_come_as_icalendar_at_their_secret_address(world: World, settings: Any) -> None:
    settings.TERROIR_SITE_URL = "https://terroir.example.org"
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Installation", needed=2,
                                          by=world.amap.agnes, starts_at=dt.time(17, 30),
                                          ends_at=dt.time(18, 15))  # fmt: skip
    other = VolunteerTask.objects.create(distribution=world.distribution, name="Rangement", needed=1)
    volunteers.volunteer_sign_up(task=task, member=world.jeanne, by=world.jeanne.user)
    volunteers.volunteer_sign_up(task=other, member=world.paul, by=world.paul.user)
    url = reverse("groups:volunteer_calendar", args=[volunteers.calendar_token(world.jeanne.user)])
    response = Client().get(url)  # a calendar application: no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["AMAP des Volcans — Installation"]
    start = events[0].decoded("dtstart")
    assert (start.date(), start.hour, start.minute, str(start.tzinfo)) == (world.distribution.date, 17, 30,
                                                                           "Europe/Paris")  # fmt: skip
    assert str(events[0]["location"]) == "Salle de quartier des Salins"
    # Another's id with a forged signature gives nothing.
    forged = volunteers.calendar_token(world.jeanne.user).replace(str(world.jeanne.user.pk), str(world.paul.user.pk), 1)
    assert Client().get(reverse("groups:volunteer_calendar", args=[forged])).status_code == 404


def test_the_volunteers_page_signs_a_member_up_and_lets_them_withdraw(world: World) -> None:
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=1,
                                          by=world.amap.agnes)  # fmt: skip
    client = Client()
    client.force_login(world.jeanne.user)
    d = world.distribution.pk
    assert client.post(reverse("groups:volunteer_sign_up", args=[d, task.pk])).status_code == 302
    shift = VolunteerShift.objects.get(task=task)
    assert shift.member == world.jeanne
    other = Client()
    other.force_login(world.paul.user)
    assert other.post(reverse("groups:volunteer_withdraw", args=[d, shift.pk])).status_code == 403
    assert client.post(reverse("groups:volunteer_withdraw", args=[d, shift.pk])).status_code == 302
    assert not VolunteerShift.objects.exists()


ROLES = ["outsider", "member", "producer", "other_organiser", "organiser", "coordinator"]


def user_of(role: str, world: World, people: Any) -> Any:
    return {"outsider": lambda: person("lea@example.org"), "member": lambda: world.jeanne.user,
            "producer": lambda: people.claire, "other_organiser": lambda: world.bruno,
            "organiser": lambda: world.amap.agnes, "coordinator": lambda: people.camille}[role]()  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_only_the_groups_organisers_set_its_tasks(role: str, world: World, people: Any) -> None:
    user = user_of(role, world, people)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("groups:volunteers", args=[world.distribution.pk]),
                           {"name": "Accueil", "needed": "2", "starts_at": "", "ends_at": ""})  # fmt: skip
    allowed = role in ("organiser", "coordinator")
    assert response.status_code == (302 if allowed else 403), (role, response.status_code)
    assert VolunteerTask.objects.exists() is allowed


@pytest.mark.parametrize("role", ROLES)
def test_only_a_member_of_the_group_signs_up_from_the_page(role: str, world: World, people: Any) -> None:
    task = volunteers.volunteer_task_save(distribution=world.distribution, name="Accueil", needed=3,
                                          by=world.amap.agnes)  # fmt: skip
    client = Client()
    client.force_login(user_of(role, world, people))
    response = client.post(reverse("groups:volunteer_sign_up", args=[world.distribution.pk, task.pk]))
    allowed = role == "member"
    assert response.status_code == (302 if allowed else 403), (role, response.status_code)
    assert VolunteerShift.objects.exists() is allowed
