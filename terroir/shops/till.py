"""Sales from a till export (CSV in any usual encoding and delimiter, XLSX, ODS), read with the shared
tabular readers (terroir.lib.tabular). Every problem is reported with its line and column, and nothing is
kept unless every line is right: the shop corrects the file (or adds the missing product) and sends it
again. The same file twice is refused (its digest is kept).

Two usual shapes of export are read, found by their column names (French or English, any case):
- a French till's detailed Z report: Date (dd/mm/yyyy), Heure, Ticket, Code article, Libellé, Quantité,
  Prix unitaire TTC, Montant TTC — a refund is a negative quantity and amount;
- a card terminal's items report: Date (2026-03-14 10:42), Transaction ID, SKU, Item, Quantity, Price,
  Total, Type (Sale or Refund) — a refund has positive numbers and the type Refund.
Products are found by their till code (code article, SKU, PLU, EAN) in the shop. Title rows above the
header (the shop, the dates) are skipped: the header is the first row naming a code and a quantity.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from terroir.directory.french import elided
from terroir.lib.messages import formatted
from terroir.lib.tabular import HeaderAt, Limits, SourceError, number_parse, rows_read
from terroir.lib.text import fold

from .models import Product, Sale, Shop, TillImport

MAX_ROWS = 50_000
CENT = Decimal("0.01")
COLUMNS = {
    "date": ("date", "date_vente", "jour", "date_time", "datetime"),
    "ticket": ("ticket", "n_ticket", "numero_ticket", "transaction_id", "transaction", "receipt"),
    "code": ("code_article", "code", "sku", "plu", "ean", "reference", "ref"),
    "name": ("libelle", "article", "item", "produit", "product", "designation"),
    "quantity": ("quantite", "qte", "quantity", "qty"),
    "unit_price": ("prix_unitaire_ttc", "prix_unitaire", "prix_ttc", "prix", "price", "unit_price"),
    "amount": ("montant_ttc", "montant", "total_ttc", "total", "amount"),
    "kind": ("type", "sens", "operation"),
}
REFUND_WORDS = {"refund", "remboursement", "retour", "avoir", "annulation"}
SALE_WORDS = {"sale", "vente", ""}


@dataclass
class TillRead:
    sales: list[Sale] = field(default_factory=list)
    problems: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, column, message)
    format: str = ""
    # Each column as the file names it ("Quantité" for "quantity"): a problem is said on the file's column.
    headers: dict[str, str] = field(default_factory=dict)

    def column_said(self, column: str) -> str:
        """`column` (a key of COLUMNS) as the file names it, else as the page's help names it."""
        return self.headers.get(column) or (COLUMNS[column][0] if column in COLUMNS else column)


def _key(text: str) -> str:
    return fold(text).replace(" ", "_").replace("°", "").replace(".", "")


def _date(text: str) -> datetime.date:
    value = text.strip().split(" ")[0].split("T")[0]
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(formatted(_("%(text)r is not a date (14/03/2026 or 2026-03-14)"), {"text": text}, _))


def _decimal(text: str) -> Decimal:
    parsed = number_parse(text.replace("€", "").replace("EUR", ""))
    if parsed is None or not math.isfinite(parsed):
        raise ValueError(formatted(_("%(text)r is not a number"), {"text": text}, _))
    return Decimal(str(parsed))


class TillHeader(HeaderAt):
    """The header is the first row that names a till code and a quantity in any of the usual ways: tills
    and terminals often write a title, the shop's name or the dates above it."""

    def found(self, header: list[str]) -> bool:
        names = {_key(str(name)) for name in header}
        return bool(names & set(COLUMNS["code"])) and bool(names & set(COLUMNS["quantity"]))


def digest_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()


def till_read(path: Path, *, shop: Shop) -> TillRead:
    """The sales of a till export, unsaved, with every problem found."""
    result = TillRead()
    products = {p.code: p for p in Product.objects.filter(shop=shop).select_related("seller__actor")}
    try:
        for count, row in enumerate(rows_read(path, limits=Limits.of(settings), header=TillHeader()), start=1):
            if count > MAX_ROWS:
                result.problems.append((row.line, "", _("more than %(n)d lines: split the file") % {"n": MAX_ROWS}))
                break
            _row(row.line, row.values, shop, products, result)
    except SourceError as exc:
        result.problems.append((exc.line, "", exc.text(_, lambda n: number_format(n, force_grouping=True))))
    if not result.sales and not result.problems:
        result.problems.append((None, "", _("the file has no sale")))
    return result


def _row(line: int, values: dict[str, Any], shop: Shop, products: dict[str, Product], result: TillRead) -> None:
    cells = {_key(str(k)): ("" if v is None else str(v).strip()) for k, v in values.items()}
    found = {name: next((cells[a] for a in aliases if a in cells), None) for name, aliases in COLUMNS.items()}
    if not result.format:
        result.format = "items report" if found["kind"] is not None else "Z report"
        headers = {_key(str(k)): str(k) for k in values}
        result.headers = {
            name: next((headers[a] for a in aliases if a in headers), "") for name, aliases in COLUMNS.items()
        }
    if not any(cells.values()):
        return  # a blank line between days
    before = len(result.problems)
    parsed: dict[str, Any] = {}

    def take(column: str, read: Any, *, required: bool = True) -> None:
        text = found[column] or ""
        if not text:
            if required:
                result.problems.append((line, column, _("a value is required here")))
            return
        try:
            parsed[column] = read(text)
        except ValueError as exc:
            result.problems.append((line, column, str(exc)))

    take("date", _date)
    take("code", str.strip)
    take("quantity", _decimal)
    take("unit_price", _decimal, required=False)
    take("amount", _decimal, required=False)
    kind = fold(found["kind"] or "").strip()
    if kind not in REFUND_WORDS | SALE_WORDS:
        result.problems.append((line, "kind", formatted(_("%(text)r: Sale or Refund"), {"text": found["kind"]}, _)))
    if len(result.problems) > before:
        return
    product = products.get(parsed["code"])
    if product is None:
        name = found["name"] or ""
        message = _("no product with the till code %(code)r (%(name)s) in this shop: add it to the catalogue")
        result.problems.append((line, "code", formatted(message, {"code": parsed["code"], "name": name}, _)))
        return
    seller = product.seller
    if not seller.sells_on(parsed["date"]):
        # Never dropped silently: the shop sees which line, and decides (a wrong date, or a wrong end).
        message = _("%(code)r (%(name)s) is a product of %(seller)s, who left the shop on %(last)s: it cannot be "
                    "sold on %(date)s")  # fmt: skip
        result.problems.append((line, "date", elided(formatted(message, {
            "code": parsed["code"], "name": product.name, "seller": seller.actor.name,
            "last": date_format(seller.ended_on or parsed["date"], "SHORT_DATE_FORMAT"),
            "date": date_format(parsed["date"], "SHORT_DATE_FORMAT"),
        }, _), seller.actor.name)))  # fmt: skip
        return
    quantity = parsed["quantity"]
    price = parsed.get("unit_price", product.unit_price)
    amount = parsed.get("amount")
    if amount is None:
        amount = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
    if kind in REFUND_WORDS:  # the terminal writes refunds with positive numbers and says so in the type
        quantity, amount = -abs(quantity), -abs(amount)
    if quantity == 0:
        result.problems.append((line, "quantity", _("a line of the till has a quantity")))
        return
    if (quantity > 0) != (amount >= 0):
        result.problems.append((line, "amount", _("the amount and the quantity have opposite signs")))
        return
    result.sales.append(Sale(
        shop=shop, seller_id=product.seller_id, product=product, sold_on=parsed["date"], quantity=quantity,
        unit_price=abs(price).quantize(CENT), amount=amount.quantize(CENT), ticket=(found["ticket"] or "")[:40],
    ))  # fmt: skip


class AlreadyImported(ValueError):
    pass


@transaction.atomic
def till_save(read: TillRead, *, shop: Shop, file_name: str, digest: str, by: Any) -> TillImport:
    """Keep the sales of a file without problems, once."""
    if read.problems:
        raise ValueError("a file with problems is not kept")
    if TillImport.objects.filter(shop=shop, digest=digest).exists():
        raise AlreadyImported(_("This file was already imported."))
    record = TillImport.objects.create(
        shop=shop, file_name=file_name[:255], format=read.format, digest=digest, lines=len(read.sales),
        created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    for sale in read.sales:
        # Recorded when the file is kept: a file of a period whose statement was sent makes a correction.
        sale.till_import, sale.created_by, sale.recorded_at = record, record.created_by, record.created_at
    Sale.objects.bulk_create(read.sales)
    return record
