"""Where the farms are: each region's countries (``regions.<name>.countries``) as longitude/latitude polygons.

Boundaries come from the ``countryinfo`` package, which bundles one GeoJSON outline per country (derived from
Natural Earth's 1:110m admin-0 countries, public domain): nothing is downloaded when a map is drawn. Maps use
the equirectangular projection with the aspect of the view's middle latitude, which keeps the tropics, where
the shipped regions lie, close to true shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from countryinfo import CountryInfo
from countryinfo.exceptions import CountryNotFoundError

import sim

#: Degrees of longitude and latitude shown around the regions' countries.
VIEW_MARGIN_DEG = 6.0


class UnknownCountry(ValueError):
    """A country code in a scenario that names no country with a boundary."""


@dataclass(frozen=True)
class RegionShape:
    """A region's countries and their outlines."""

    key: str  # the region's name in the scenario
    index: int  # its position among the scenario's regions
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2 codes
    polygons: tuple[np.ndarray, ...]  # rings of (longitude, latitude), shape (points, 2) each


def _rings(geometry: dict) -> list[np.ndarray]:
    """Outer rings of a GeoJSON Polygon or MultiPolygon (holes are not drawn at this scale)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [np.asarray(polygon[0], dtype=float) for polygon in polygons]


@cache
def country(code: str) -> tuple[str, tuple[np.ndarray, ...]]:
    """(ISO alpha-2 code, outline rings) of the country with ISO code ``code`` (alpha-2 or alpha-3)."""
    try:
        info = CountryInfo(code)
        alpha2 = info.iso(2)
        features = info.geo_json().get("features", [])
    except CountryNotFoundError:
        raise UnknownCountry(code) from None
    rings = tuple(ring for feature in features for ring in _rings(feature["geometry"]))
    if not rings:
        raise UnknownCountry(code)
    return alpha2, rings


@lru_cache(maxsize=1)
def world() -> tuple[np.ndarray, ...]:
    """Every country's outline rings (the grey background of a map)."""
    rings = []
    for info in CountryInfo.all().values():
        for feature in (info.get("geoJSON") or {}).get("features", []):
            rings += _rings(feature["geometry"])
    return tuple(rings)


def region_shapes(scenario: sim.Scenario) -> list[RegionShape]:
    """The regions that name their countries, with outlines; UnknownCountry names the field and the code."""
    shapes = []
    for index, (key, region) in enumerate(scenario.regions.items()):
        codes = getattr(region, "countries", None) or []
        countries, polygons = [], []
        for code in codes:
            try:
                alpha2, rings = country(code)
            except UnknownCountry:
                raise UnknownCountry(f"regions.{key}.countries: {code!r} is not an ISO 3166-1 country code with a "
                                     "boundary (expected e.g. 'BRA', 'ZMB')") from None
            countries.append(alpha2)
            polygons += rings
        if countries:
            shapes.append(RegionShape(key, index, tuple(countries), tuple(polygons)))
    return shapes


@dataclass(frozen=True)
class View:
    """The part of the world a map shows, in degrees, and the y/x stretch of its projection."""

    lon: tuple[float, float]
    lat: tuple[float, float]

    @property
    def aspect(self) -> float:
        """Units of latitude per unit of longitude on screen (1 / cos(middle latitude))."""
        return 1.0 / np.cos(np.radians(sum(self.lat) / 2))


def view_of(shapes: list[RegionShape], margin: float = VIEW_MARGIN_DEG) -> View:
    """The box around every region's countries, ``margin`` degrees wider on each side."""
    points = np.concatenate([ring for shape in shapes for ring in shape.polygons])
    (lon0, lat0), (lon1, lat1) = points.min(axis=0), points.max(axis=0)
    return View((max(lon0 - margin, -180.0), min(lon1 + margin, 180.0)),
                (max(lat0 - margin, -90.0), min(lat1 + margin, 90.0)))


def rings_in(view: View) -> list[np.ndarray]:
    """World outline rings that touch ``view`` (the others are not sent to the page)."""
    keep = []
    for ring in world():
        (lon0, lat0), (lon1, lat1) = ring.min(axis=0), ring.max(axis=0)
        if lon1 >= view.lon[0] and lon0 <= view.lon[1] and lat1 >= view.lat[0] and lat0 <= view.lat[1]:
            keep.append(ring)
    return keep


def centre(shape: RegionShape) -> tuple[float, float]:
    """A label position for the region: the middle of its largest ring's bounding box (lon, lat)."""
    largest = max(shape.polygons, key=len)
    (lon0, lat0), (lon1, lat1) = largest.min(axis=0), largest.max(axis=0)
    return float((lon0 + lon1) / 2), float((lat0 + lat1) / 2)
