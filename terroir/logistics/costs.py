"""What a round costs, what it emits, and what share of the goods' value that is. Pure.

cost = fixed cost of each day the vehicle works + €/km × km + driver €/h × hours. CO₂ from a factor per
vehicle type in kg CO₂e per km (orders of magnitude of ADEME's Base Empreinte for light commercial
vehicles and small lorries; a territory replaces them with its own in the vehicle's settings).
The seed's target: transport billed near 10 % of the value carried; the usual ceiling of short chains: 20 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TARGET_SHARE = 0.10
CEILING_SHARE = 0.20


class VehicleType(StrEnum):
    CAR = "car"
    VAN = "van"  # light commercial vehicle, < 3.5 t
    REFRIGERATED_VAN = "refrigerated_van"
    TRUCK = "truck"  # 3.5–12 t
    REFRIGERATED_TRUCK = "refrigerated_truck"


# kg CO₂e per km, loaded as usual (a refrigeration unit adds roughly a fifth).
CO2_KG_PER_KM = {
    VehicleType.CAR: 0.19,
    VehicleType.VAN: 0.26,
    VehicleType.REFRIGERATED_VAN: 0.31,
    VehicleType.TRUCK: 0.55,
    VehicleType.REFRIGERATED_TRUCK: 0.66,
}


@dataclass(frozen=True)
class CostModel:
    per_km: float = 0.80  # € per km (fuel, wear, insurance share)
    per_hour: float = 15.0  # driver, € per hour
    fixed_per_day: float = 0.0  # € per day the vehicle is used
    vehicle_type: VehicleType = VehicleType.REFRIGERATED_VAN
    co2_per_km: float | None = None  # overrides the table above


@dataclass(frozen=True)
class RoundCost:
    km: float
    hours: float
    days: int
    cost: float
    co2_kg: float
    value: float  # of the goods carried
    share: float | None  # cost / value; None when nothing of value is carried

    @property
    def verdict(self) -> str:
        """ "target" (≤ 10 %), "acceptable" (≤ 20 %), "too_expensive", or "unknown"."""
        if self.share is None:
            return "unknown"
        if self.share <= TARGET_SHARE:
            return "target"
        return "acceptable" if self.share <= CEILING_SHARE else "too_expensive"


def round_cost(model: CostModel, *, km: float, hours: float, days: int = 1, value: float = 0.0) -> RoundCost:
    if km < 0 or hours < 0 or days < 0 or value < 0:
        raise ValueError("distances, durations, days and values cannot be negative")
    cost = model.fixed_per_day * days + model.per_km * km + model.per_hour * hours
    factor = model.co2_per_km if model.co2_per_km is not None else CO2_KG_PER_KM[model.vehicle_type]
    return RoundCost(
        km=km, hours=hours, days=days, cost=cost, co2_kg=factor * km, value=value,
        share=cost / value if value > 0 else None,
    )  # fmt: skip


def saving(pooled: RoundCost, status_quo: RoundCost) -> dict[str, float]:
    """What pooling saves against every producer delivering their own customers."""
    return {
        "km": status_quo.km - pooled.km,
        "hours": status_quo.hours - pooled.hours,
        "co2_kg": status_quo.co2_kg - pooled.co2_kg,
        "cost": status_quo.cost - pooled.cost,
    }
