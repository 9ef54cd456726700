"""The distribution sheet: what each member collects (their contract baskets — absences and transfers
taken into account — and their one-off order lines), with a box to tick or sign, and what each producer
brings; printed from the page or as PDF (fpdf2, as the shops' statements)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

from terroir.directory import numbers
from terroir.directory.presenters import clock_text
from terroir.lib.pdf import latin

from .baskets import baskets_of, member_name, members_named
from .models import Distribution, OrderLine, VolunteerShift
from .orders import amount_of, quantity_text


@dataclass
class Item:
    producer: str
    what: str
    quantity: Decimal
    unit: str
    note: str = ""  # "for Jeanne (transfer)", "one-off order"

    @property
    def quantity_text(self) -> str:
        return quantity_text(self.quantity)


@dataclass
class MemberRow:
    name: str
    items: list[Item] = field(default_factory=list)
    to_pay: Decimal = Decimal(0)  # the one-off orders, paid at the distribution


@dataclass
class ProducerRow:
    name: str
    items: list[tuple[str, Decimal, str]] = field(default_factory=list)  # what, quantity, unit


@dataclass
class Sheet:
    distribution: Distribution
    members: list[MemberRow]
    producers: list[ProducerRow]
    volunteers: list[tuple[str, list[str]]]  # task, names

    @property
    def where(self) -> str:
        place = self.distribution.where
        if place is None:
            return ""
        return f"{place.name}, {place.address}" if place.address else place.name


# Whoever collects: a member (by their number: two members may read alike, "m•••@example.org"), a person
# a basket is given to by name, or the group.
Collector = tuple[str, int | str]


def _contract_items(distribution: Distribution) -> list[tuple[Collector, str, Item]]:
    """The contract baskets of the distribution (baskets.baskets_of: absences and transfers applied), with
    whoever collects them and their name: the member, the member or person it is given to, or the group."""
    items: list[tuple[Collector, str, Item]] = []
    for basket in baskets_of(distribution):
        what = f"{basket.contract.title} — {basket.option}" + (f" ({basket.size})" if basket.size else "")
        item = Item(basket.producer.name, what, Decimal(basket.quantity), _("basket"))
        if basket.left_to_group:
            item.note = _("%(member)s is away") % {"member": member_name(basket.member)}
            items.append((("group", ""), _("Left to the group"), item))
            continue
        collector: Collector = ("member", basket.member.pk)
        if basket.absence is not None:
            item.note = _("given by %(member)s") % {"member": member_name(basket.member)}
            given_to = basket.absence.transfer_to
            collector = ("member", given_to.pk) if given_to is not None else ("name", basket.collected_by)
        items.append((collector, basket.collected_by, item))
    return items


def _order_items(distribution: Distribution) -> list[tuple[Collector, str, Item, Decimal]]:
    lines = list(OrderLine.objects.filter(product__round__distribution=distribution)
                 .select_related("product__producer", "member__user")
                 .order_by("product__producer__name", "product__name"))  # fmt: skip
    members_named(line.member for line in lines)
    return [(("member", line.member_id), member_name(line.member),
             Item(line.product.producer.name, line.product.name, line.quantity, line.product.unit, _("one-off order")),
             amount_of(line.quantity, line.price)) for line in lines]  # fmt: skip


def sheet_of(distribution: Distribution) -> Sheet:
    members: dict[Collector, MemberRow] = {}
    brought: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for collector, name, item in _contract_items(distribution):
        members.setdefault(collector, MemberRow(name)).items.append(item)
        brought[item.producer][(item.what, item.unit)] += item.quantity
    for collector, name, item, amount in _order_items(distribution):
        row = members.setdefault(collector, MemberRow(name))
        row.items.append(item)
        row.to_pay += amount
        brought[item.producer][(item.what, item.unit)] += item.quantity
    producers = [ProducerRow(producer, [(what, q, unit) for (what, unit), q in sorted(items.items())])
                 for producer, items in sorted(brought.items())]  # fmt: skip
    volunteers: dict[str, list[str]] = {}
    for task in distribution.volunteer_tasks.order_by("starts_at", "pk"):
        volunteers[task.name] = []
    shifts = list(VolunteerShift.objects.filter(task__distribution=distribution).select_related("task", "member__user")
                  .order_by("task__starts_at", "task_id", "signed_up_at"))  # fmt: skip
    members_named(shift.member for shift in shifts)
    for shift in shifts:
        volunteers.setdefault(shift.task.name, []).append(member_name(shift.member))
    return Sheet(
        distribution=distribution,
        members=sorted(members.values(), key=lambda m: m.name.casefold()),
        producers=producers,
        volunteers=list(volunteers.items()),
    )


# --- PDF ------------------------------------------------------------------------------------------------


LINE = 5  # mm: one line of a table's cell


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text cut to the width with an ellipsis (a cell does not wrap)."""
    text = latin(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _rows(pdf: FPDF, widths: tuple[float, ...], header: list[str], rows: list[list[list[str]]], tick: bool) -> None:
    """A table drawn line by line with cells that do not wrap: fpdf2's table() breaks every line character by
    character twice (0.8 s of processor for 150 members); a row moves whole to the next page, the header
    repeated. With `tick`, the last column holds a box to tick and a line to sign."""

    def head() -> None:
        pdf.set_font("helvetica", "B", 9)
        for width, title in zip(widths, header, strict=True):
            pdf.cell(width, LINE + 1, _fit(pdf, title, width))
        pdf.ln(LINE + 1)
        pdf.set_font("helvetica", "", 9)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(widths), pdf.get_y())

    head()
    for columns in rows:
        height = max(len(lines) for lines in columns) * LINE + 2
        if pdf.will_page_break(height):
            pdf.add_page()
            head()
        top, x = pdf.get_y() + 1, pdf.l_margin
        for width, lines in zip(widths, columns, strict=False):
            for n, text in enumerate(lines):
                pdf.set_xy(x, top + n * LINE)
                pdf.cell(width, LINE, _fit(pdf, text, width))
            x += width
        if tick:
            pdf.rect(x - widths[-1] + 1, top + 0.5, 4, 4)
            pdf.line(x - widths[-1] + 7, top + LINE, x - 2, top + LINE)
        pdf.set_xy(pdf.l_margin, top - 1 + height)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(widths), pdf.get_y())


def sheet_pdf(sheet: Sheet) -> bytes:
    distribution = sheet.distribution
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(latin(_("Distribution sheet")))
    pdf.set_creator("Terroir")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    title = f"{distribution.group.name} — {formats.date_format(distribution.date, 'l j F Y')}"
    pdf.multi_cell(0, 8, latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    hours = f"{clock_text(distribution.starts_at)}–{clock_text(distribution.ends_at)}"  # "18 h 30–19 h 30"
    pdf.multi_cell(0, 6, latin(" · ".join(part for part in (hours, sheet.where) if part)), new_x="LMARGIN",
                   new_y="NEXT")  # fmt: skip
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, latin(_("Members")), new_x="LMARGIN", new_y="NEXT")
    members = []
    for member in sheet.members:
        lines = [f"{numbers.quantity(i.quantity, i.unit)} {i.what} ({i.producer})" + (f" — {i.note}" if i.note else "")
                 for i in member.items]  # fmt: skip
        if member.to_pay:
            lines.append(_("To pay: %(amount)s") % {"amount": numbers.money(member.to_pay)})
        members.append([[member.name], lines, [""]])
    if not sheet.members:
        members.append([[_("Nobody collects anything at this distribution.")], [""], [""]])
    _rows(
        pdf, (45, 110, 35), [_("Member"), _("Collects"), _("Collected (signature)")], members, tick=bool(sheet.members)
    )
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, latin(_("Producers bring")), new_x="LMARGIN", new_y="NEXT")
    producers = [
        [[p.name], [f"{numbers.quantity(q, unit)} {what}" for what, q, unit in p.items]] for p in sheet.producers
    ]
    _rows(pdf, (60, 130), [_("Producer"), _("Brings")], producers, tick=False)
    if sheet.volunteers:
        pdf.ln(3)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(0, 7, latin(_("Volunteers")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 9)
        for task, names in sheet.volunteers:
            pdf.multi_cell(0, 5, latin(f"{task}{_(':')} {', '.join(names) or '—'}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
