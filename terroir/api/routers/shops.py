"""Producers' shops through the API (terroir.shops): the shops' public facts for anybody; the sellers,
products and prices for the shop's managers and its sellers; sales (listed, entered), depositors'
statements (JSON, CSV, PDF) and the rota (JSON, iCalendar) each for whom the pages show them to
(terroir.shops.access). Writes go through terroir.shops.services with a key of scope write.

Who is who, for a key's person: a manager is a member of the organisation that owns the shop or a
territory coordinator; a seller is a member of a producer selling there (associate or depositor); an
associate also sees the rota."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from terroir.accounts.models import ApiToken
from terroir.accounts.permissions import actor_ids_of
from terroir.shops import access, documents, services
from terroir.shops.models import Product, Rota, Sale, Seller, Shift, Shop

from ..downloads import CSV_OPENAPI, PDF_OPENAPI, csv_attachment, pdf_attachment
from ..errors import ERRORS, MAX_ID, WRITE_ERRORS, error
from ..schemas import ErrorOut
from ..security import TokenBearer

router = Router(tags=["shops"])
READ_ERRORS: dict[int, Any] = {**ERRORS, 401: ErrorOut, 403: ErrorOut}
ShopId = Path(..., ge=1, le=MAX_ID)
MONEY = 'Euros as a decimal string, to the cent ("17.00"); refunds are negative.'


class ShopOut(Schema):
    id: int
    name: str = Field(description="The directory place's name")
    place: int = Field(description="The place's id in /api/v1/places")
    address: str
    commune: str | None = Field(description="INSEE code")
    owner: str = Field(description="The organisation that owns and runs the shop")
    default_commission: Decimal = Field(description="A depositor's commission unless theirs is set (0.25: 25 %)")


class ShopSellerOut(Schema):
    id: int
    producer: int = Field(description="The producer's id in /api/v1/producers")
    name: str
    kind: str = Field(description="associate or depositor")
    commission_rate: Decimal | None = Field(description="The rate applied (0.25: 25 %); for the managers only")
    ended_on: datetime.date | None = Field(
        description="Their last day at the shop: a producer who leaves or left (listed with include_ended only "
        "once it is past); null: still selling there"
    )


class ShopProductOut(Schema):
    id: int
    code: str = Field(description="The till's code (PLU, barcode)")
    name: str
    seller: int
    unit_price: Decimal = Field(description=MONEY)
    unit: str


class ShopProductIn(Schema):
    seller: int = Field(ge=1, le=MAX_ID)
    code: str = Field(min_length=1, max_length=40, description="A product of this code is changed, else created")
    name: str = Field(min_length=1, max_length=200)
    unit_price: Decimal = Field(ge=0, max_digits=8, decimal_places=2)
    unit: str = Field(
        "piece",
        min_length=1,
        max_length=20,
        description="kg, l, piece, dozen or crate (their French "
        "or English words are read too: pièce, kilo); any other unit is refused",
    )


class ShopSaleOut(Schema):
    id: int
    sold_on: datetime.date
    product: int
    seller: int
    quantity: Decimal
    unit_price: Decimal = Field(description=MONEY)
    amount: Decimal = Field(description=MONEY)
    ticket: str


class ShopSalePage(Schema):
    count: int
    results: list[ShopSaleOut]


class ShopSaleIn(Schema):
    product: int = Field(ge=1, le=MAX_ID)
    sold_on: datetime.date
    quantity: Decimal = Field(max_digits=10, decimal_places=3, description="Negative for a refund")
    ticket: str = Field("", max_length=40)


class ShopPeriodIn(Schema):
    start: datetime.date | None = Field(None, description="First day (with end); the current month without both")
    end: datetime.date | None = Field(None, description="Last day, at most 366 days after start")


class ShopSalesIn(ShopPeriodIn):
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(100, ge=1, le=1000)


class ShopProductTotalOut(Schema):
    product: str
    quantity: Decimal
    amount: Decimal = Field(description=MONEY)
    refunds: Decimal = Field(description="The refunds, already inside amount")


class ShopCorrectionOut(Schema):
    number: int = Field(description="1 for the first correcting statement of the period, then 2…")
    sent_at: datetime.datetime | None = Field(
        description="When the shop marked it sent to the producer; null: not sent yet (sales recorded later "
        "still join it)"
    )
    lines: int = Field(description="The period's sales recorded after the previous send")
    gross: Decimal = Field(description=MONEY)
    commission: Decimal
    due: Decimal = Field(description="What the shop owes the producer on top of the statements sent before")
    csv_url: str
    pdf_url: str


class ShopStatementOut(Schema):
    seller: int
    name: str
    kind: str
    start: datetime.date
    end: datetime.date
    rate: Decimal
    gross: Decimal = Field(description=MONEY)
    refunds: Decimal
    commission: Decimal = Field(description="gross × rate, rounded half up to the cent, once per statement")
    due: Decimal = Field(description="gross − commission: what the shop owes the producer")
    lines: int
    products: list[ShopProductTotalOut]
    csv_url: str
    pdf_url: str
    sent_at: datetime.datetime | None = Field(
        description="When the shop marked the statement sent to the producer: from then on its figures stay as "
        "sent; null: not sent yet, the figures take every sale of the period"
    )
    corrected: bool = Field(
        description="Sales of the period were recorded after the statement was sent (a till file received late): "
        "they make the correcting statements listed in corrections, never a change to the statement as sent"
    )
    corrections: list[ShopCorrectionOut] = Field(description="The correcting statements, oldest first")


class ShopShiftOut(Schema):
    date: datetime.date
    starts: str = Field(description="HH:MM, the shop's local time")
    ends: str
    member: int
    name: str


class ShopRotaOut(Schema):
    id: int
    first_day: datetime.date
    last_day: datetime.date
    status: str = Field(description="queued, running, optimal, feasible, infeasible or failed")
    reasons: list[str] = Field(description="Why no rota exists, in the reader's language")
    shifts: list[ShopShiftOut]
    ical_url: str


class ShopRotaSummaryOut(Schema):
    id: int
    first_day: datetime.date
    last_day: datetime.date
    status: str
    url: str


def _shop_out(shop: Shop) -> dict[str, Any]:
    place = shop.place
    return {"id": shop.pk, "name": place.name, "place": place.pk, "address": place.address,
            "commune": place.commune_id, "owner": shop.owner.name,
            "default_commission": services.rates_of(shop).of(None, timezone.localdate())}  # fmt: skip


def _shop(shop_id: int) -> Shop:
    return get_object_or_404(Shop.objects.select_related("place", "owner"), pk=shop_id)


def _user(request: HttpRequest) -> Any:
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # TokenBearer found it
    return token.user


def _own_sellers(user: Any, shop: Shop, *, current: bool = False) -> list[int]:
    sellers = services.sellers_current(shop) if current else Seller.objects.filter(shop=shop)
    return list(sellers.filter(actor_id__in=actor_ids_of(user)).values_list("pk", flat=True))


def _manager_or_seller(request: HttpRequest, shop: Shop, *, current: bool = False) -> tuple[bool, list[int]]:
    """Whether the key's person manages the shop, and their sellers there; 403 for anybody else. `current`:
    only a seller still at the shop (the shop's lists); a producer who left reads their own sales and
    statements, as on the pages."""
    user = _user(request)
    manager = access.is_manager(user, shop)
    own = [] if manager else _own_sellers(user, shop, current=current)
    if not manager and not own:
        raise PermissionDenied("This is for the shop's managers and the producers who sell there.")
    return manager, own


def _manager(request: HttpRequest, shop: Shop) -> Any:
    user = _user(request)
    if not access.is_manager(user, shop):
        raise PermissionDenied("This is for the shop's managers.")
    return user


def _period(params: ShopPeriodIn) -> tuple[datetime.date, datetime.date]:
    if params.start is None and params.end is None:
        today = timezone.localdate()
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if params.start is None or params.end is None or params.end < params.start:
        raise _PeriodError("Give start and end (end on or after start).")
    if (params.end - params.start).days > 366:
        raise _PeriodError("A period covers at most 366 days.")
    return params.start, params.end


class _PeriodError(ValueError):
    pass


@router.get("/shops", response={200: list[ShopOut], **ERRORS}, summary="The producers' shops (public facts)")
def shops_list(request: HttpRequest) -> Any:
    return [_shop_out(s) for s in Shop.objects.select_related("place", "owner").order_by("pk")[:1000]]


@router.get("/shops/{shop_id}", response={200: ShopOut, **ERRORS}, summary="A producers' shop (public facts)")
def shop_get(request: HttpRequest, shop_id: int = ShopId) -> Any:
    return _shop_out(_shop(shop_id))


@router.get(
    "/shops/{shop_id}/sellers", response={200: list[ShopSellerOut], **READ_ERRORS}, auth=TokenBearer(),
    summary="The producers selling at a shop (managers and its sellers; commission rates for managers only)",
    description="The producers still selling there, as the pages list them; include_ended=true adds those whose "
    "last day is past (ended_on says when each left or leaves).",
)  # fmt: skip
def shop_sellers(request: HttpRequest, shop_id: int = ShopId, include_ended: bool = False) -> Any:
    shop = _shop(shop_id)
    manager, _own = _manager_or_seller(request, shop, current=True)
    rates, today = services.rates_of(shop), timezone.localdate()  # the rates in force today
    sellers = Seller.objects.filter(shop=shop) if include_ended else services.sellers_current(shop)
    return [
        {"id": s.pk, "producer": s.actor_id, "name": s.actor.name, "kind": s.kind,
         "commission_rate": rates.of(s.pk, today) if manager else None, "ended_on": s.ended_on}
        for s in sellers.select_related("actor", "shop")
    ]  # fmt: skip


@router.get(
    "/shops/{shop_id}/products", response={200: list[ShopProductOut], **READ_ERRORS}, auth=TokenBearer(),
    summary="A shop's products and prices (managers and its sellers)",
    description="The products on sale: those of the producers still selling there, as the catalogue page lists "
    "them (a producer's products cannot be sold after their last day). include_ended=true adds the products of "
    "the producers who left (their seller's ended_on is past in /sellers?include_ended=true), which past sales "
    "name.",
)  # fmt: skip
def shop_products(request: HttpRequest, shop_id: int = ShopId, include_ended: bool = False) -> Any:
    shop = _shop(shop_id)
    _manager_or_seller(request, shop, current=True)
    products = Product.objects.filter(shop=shop)
    if not include_ended:
        products = products.filter(seller__in=services.sellers_current(shop))
    return [_product_out(p) for p in products]


def _product_out(p: Product) -> dict[str, Any]:
    return {"id": p.pk, "code": p.code, "name": p.name, "seller": p.seller_id, "unit_price": p.unit_price,
            "unit": p.unit}  # fmt: skip


@router.post(
    "/shops/{shop_id}/products", response={200: ShopProductOut, **WRITE_ERRORS}, auth=TokenBearer(write=True),
    summary="Add a product, or change the one of this till code (managers); past sales keep their price",
)  # fmt: skip
def shop_product_save(request: HttpRequest, body: ShopProductIn, shop_id: int = ShopId) -> Any:
    shop = _shop(shop_id)
    _manager(request, shop)
    seller = Seller.objects.filter(shop=shop, pk=body.seller).first()
    if seller is None:
        return error(400, "invalid_value", f"No seller {body.seller} at this shop.", "seller")
    product = services.product_save(shop=shop, seller=seller, code=body.code, name=body.name,
                                    unit_price=body.unit_price, unit=body.unit)  # fmt: skip
    return _product_out(product)


def _sale_out(s: Sale) -> dict[str, Any]:
    return {"id": s.pk, "sold_on": s.sold_on, "product": s.product_id, "seller": s.seller_id,
            "quantity": s.quantity, "unit_price": s.unit_price, "amount": s.amount, "ticket": s.ticket}  # fmt: skip


@router.get(
    "/shops/{shop_id}/sales", response={200: ShopSalePage, **READ_ERRORS}, auth=TokenBearer(),
    summary="A period's till lines, the latest first (managers: all; a seller: their own)",
)  # fmt: skip
def shop_sales(request: HttpRequest, params: Query[ShopSalesIn], shop_id: int = ShopId) -> Any:
    shop = _shop(shop_id)
    manager, own = _manager_or_seller(request, shop)
    try:
        first, last = _period(params)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    rows = Sale.objects.filter(shop=shop, sold_on__gte=first, sold_on__lte=last)
    if not manager:
        rows = rows.filter(seller_id__in=own)
    page = rows[params.offset : params.offset + params.limit]
    return {"count": rows.count(), "results": [_sale_out(s) for s in page]}


@router.post(
    "/shops/{shop_id}/sales", response={201: ShopSaleOut, **WRITE_ERRORS}, auth=TokenBearer(write=True),
    summary="Enter a sale (a negative quantity is a refund) at the product's price (managers)",
)  # fmt: skip
def shop_sale_create(request: HttpRequest, body: ShopSaleIn, shop_id: int = ShopId) -> Any:
    shop = _shop(shop_id)
    user = _manager(request, shop)
    product = Product.objects.filter(shop=shop, pk=body.product).first()
    if product is None:
        return error(400, "invalid_value", f"No product {body.product} at this shop.", "product")
    sale = services.sale_record(shop=shop, product=product, sold_on=body.sold_on, quantity=body.quantity,
                                ticket=body.ticket, by=user)  # fmt: skip
    return Status(201, _sale_out(sale))


def _statement_out(request: HttpRequest, seller: Seller, first: datetime.date, last: datetime.date) -> dict[str, Any]:
    parts = services.statement_parts(seller=seller, first=first, last=last)
    result = parts[0].statement
    base = f"/api/v1/shops/{seller.shop_id}/statements/{seller.pk}"
    query = f"?start={first.isoformat()}&end={last.isoformat()}"
    corrections = [
        {"number": n, "sent_at": part.send.sent_at if part.send else None, "lines": part.statement.lines,
         "gross": part.statement.gross, "commission": part.statement.commission, "due": part.statement.due,
         "csv_url": request.build_absolute_uri(f"{base}/corrections/{n}.csv{query}"),
         "pdf_url": request.build_absolute_uri(f"{base}/corrections/{n}.pdf{query}")}
        for n, part in enumerate(parts[1:], start=1)
    ]  # fmt: skip
    return {
        "seller": seller.pk, "name": seller.actor.name, "kind": seller.kind, "start": first, "end": last,
        "rate": result.rate, "gross": result.gross, "refunds": result.refunds, "commission": result.commission,
        "due": result.due, "lines": result.lines,
        "products": [{"product": p.product, "quantity": p.quantity, "amount": p.amount, "refunds": p.refunds}
                     for p in result.products],
        "csv_url": request.build_absolute_uri(f"{base}.csv{query}"),
        "pdf_url": request.build_absolute_uri(f"{base}.pdf{query}"),
        "sent_at": parts[0].send.sent_at if parts[0].send else None, "corrected": bool(corrections),
        "corrections": corrections,
    }  # fmt: skip


@router.get(
    "/shops/{shop_id}/statements", response={200: list[ShopStatementOut], **READ_ERRORS}, auth=TokenBearer(),
    summary="The sellers' statements of a period (managers: every one; a seller: their own)",
)  # fmt: skip
def shop_statements(request: HttpRequest, params: Query[ShopPeriodIn], shop_id: int = ShopId) -> Any:
    shop = _shop(shop_id)
    manager, own = _manager_or_seller(request, shop)
    try:
        first, last = _period(params)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    sellers = Seller.objects.filter(shop=shop).select_related("actor", "shop")
    if not manager:
        sellers = sellers.filter(pk__in=own)
    return [_statement_out(request, s, first, last) for s in sellers]


def _statement_seller(request: HttpRequest, shop_id: int, seller_id: int) -> Seller:
    seller = get_object_or_404(Seller.objects.select_related("shop__place", "actor"), pk=seller_id, shop_id=shop_id)
    if not access.can_see_statement(_user(request), seller):
        raise PermissionDenied("A statement is for its producer and the shop's managers.")
    return seller


# The files' routes first: Django tries the routes in order, and {seller_id} alone would take "1.csv".
@router.get(
    "/shops/{shop_id}/statements/{seller_id}.csv", response={200: str, **READ_ERRORS}, auth=TokenBearer(),
    summary="A seller's statement as CSV (semicolons, decimal commas)", openapi_extra=CSV_OPENAPI,
)  # fmt: skip
def shop_statement_csv(request: HttpRequest, params: Query[ShopPeriodIn], shop_id: int = ShopId,
                       seller_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # fmt: skip
    seller = _statement_seller(request, shop_id, seller_id)
    try:
        first, last = _period(params)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    result = services.statement_of(seller=seller, first=first, last=last)
    body = documents.statement_csv(seller, result, first, last)
    return csv_attachment(body, f"releve-{seller.pk}-{first.isoformat()}-{last.isoformat()}.csv")


@router.get(
    "/shops/{shop_id}/statements/{seller_id}.pdf", response={200: str, **READ_ERRORS}, auth=TokenBearer(),
    summary="A seller's statement as PDF", openapi_extra=PDF_OPENAPI,
)  # fmt: skip
def shop_statement_pdf(request: HttpRequest, params: Query[ShopPeriodIn], shop_id: int = ShopId,
                       seller_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # fmt: skip
    seller = _statement_seller(request, shop_id, seller_id)
    try:
        first, last = _period(params)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    result = services.statement_of(seller=seller, first=first, last=last)
    body = documents.statement_pdf(seller, result, first, last)
    return pdf_attachment(body, f"releve-{seller.pk}-{first.isoformat()}.pdf")


def _correction(request: HttpRequest, params: ShopPeriodIn, shop_id: int, seller_id: int,
                number: int) -> tuple[Seller, services.StatementPart, datetime.date, datetime.date]:  # fmt: skip
    seller = _statement_seller(request, shop_id, seller_id)
    first, last = _period(params)
    parts = services.statement_parts(seller=seller, first=first, last=last)
    if number >= len(parts):
        raise Http404("This period has no such correcting statement.")
    return seller, parts[number], first, last


@router.get(
    "/shops/{shop_id}/statements/{seller_id}/corrections/{number}.csv", response={200: str, **READ_ERRORS},
    auth=TokenBearer(), openapi_extra=CSV_OPENAPI,
    summary="A correcting statement as CSV: the sales of the period recorded after the previous send, one a line",
)  # fmt: skip
def shop_correction_csv(
    request: HttpRequest,
    params: Query[ShopPeriodIn],
    shop_id: int = ShopId,
    seller_id: int = Path(..., ge=1, le=MAX_ID),
    number: int = Path(..., ge=1, le=1000),
) -> Any:
    try:
        seller, part, first, last = _correction(request, params, shop_id, seller_id, number)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    body = documents.correction_csv(seller, part, number, first, last)
    return csv_attachment(body, f"releve-correctif-{seller.pk}-{first.isoformat()}-{last.isoformat()}-{number}.csv")


@router.get(
    "/shops/{shop_id}/statements/{seller_id}/corrections/{number}.pdf", response={200: str, **READ_ERRORS},
    auth=TokenBearer(), openapi_extra=PDF_OPENAPI,
    summary="A correcting statement as PDF",
)  # fmt: skip
def shop_correction_pdf(
    request: HttpRequest,
    params: Query[ShopPeriodIn],
    shop_id: int = ShopId,
    seller_id: int = Path(..., ge=1, le=MAX_ID),
    number: int = Path(..., ge=1, le=1000),
) -> Any:
    try:
        seller, part, first, last = _correction(request, params, shop_id, seller_id, number)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    body = documents.correction_pdf(seller, part, number, first, last)
    return pdf_attachment(body, f"releve-correctif-{seller.pk}-{first.isoformat()}-{last.isoformat()}-{number}.pdf")


@router.get(
    "/shops/{shop_id}/statements/{seller_id}", response={200: ShopStatementOut, **READ_ERRORS}, auth=TokenBearer(),
    summary="A seller's statement of a period: sales, commission, amount due (its producer and the managers)",
)  # fmt: skip
def shop_statement(request: HttpRequest, params: Query[ShopPeriodIn], shop_id: int = ShopId,
                   seller_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # fmt: skip
    seller = _statement_seller(request, shop_id, seller_id)
    try:
        first, last = _period(params)
    except _PeriodError as exc:
        return error(400, "invalid_parameter", str(exc), "end")
    return _statement_out(request, seller, first, last)


def _rota_shop(request: HttpRequest, shop_id: int) -> Shop:
    shop = _shop(shop_id)
    if not access.can_see_shop(_user(request), shop):
        raise PermissionDenied("The rota is for the shop's associates and managers.")
    return shop


@router.get(
    "/shops/{shop_id}/rotas", response={200: list[ShopRotaSummaryOut], **READ_ERRORS}, auth=TokenBearer(),
    summary="The rotas computed for a shop, the latest first (associates and managers)",
)  # fmt: skip
def shop_rotas(request: HttpRequest, shop_id: int = ShopId) -> Any:
    shop = _rota_shop(request, shop_id)
    return [
        {"id": r.pk, "first_day": r.first_day, "last_day": r.last_day, "status": r.status,
         "url": request.build_absolute_uri(f"/api/v1/shops/{shop.pk}/rotas/{r.pk}")}
        for r in Rota.objects.filter(shop=shop)[:100]
    ]  # fmt: skip


@router.get(
    "/shops/{shop_id}/rotas/{rota_id}.ics", response={200: str, **READ_ERRORS}, auth=TokenBearer(),
    summary="A rota as iCalendar (associates and managers)",
    openapi_extra={"responses": {200: {"content": {"text/calendar": {}}}}},
)  # fmt: skip
def shop_rota_ical(request: HttpRequest, shop_id: int = ShopId, rota_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    shop = _rota_shop(request, shop_id)
    rota = get_object_or_404(Rota.objects.select_related("shop__place"), pk=rota_id, shop=shop)
    response = HttpResponse(services.rota_ical(rota), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="permanences-{rota.pk}.ics"'
    return response


@router.get(
    "/shops/{shop_id}/rotas/{rota_id}", response={200: ShopRotaOut, **READ_ERRORS}, auth=TokenBearer(),
    summary="A rota: who staffs which opening of which date, or why no rota exists (associates and managers)",
)  # fmt: skip
def shop_rota(request: HttpRequest, shop_id: int = ShopId, rota_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    shop = _rota_shop(request, shop_id)
    rota = get_object_or_404(Rota, pk=rota_id, shop=shop)
    shifts = Shift.objects.filter(rota=rota).select_related("member")
    return {
        "id": rota.pk, "first_day": rota.first_day, "last_day": rota.last_day, "status": rota.status,
        "reasons": [services.reason_text(r) for r in rota.reasons],
        "shifts": [{"date": s.date, "starts": s.starts.strftime("%H:%M"), "ends": s.ends.strftime("%H:%M"),
                    "member": s.member_id, "name": s.member.name} for s in shifts],
        "ical_url": request.build_absolute_uri(f"/api/v1/shops/{shop.pk}/rotas/{rota.pk}.ics"),
    }  # fmt: skip
