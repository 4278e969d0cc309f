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
#: A region narrower than this share of the view's width is labelled from outside, with a pointer: a label on it
#: would hide the colour it names (the shipped African regions span 8-14 degrees of a 126-degree view).
SMALL_REGION_SHARE = 0.15
#: How far from such a region its label sits, towards the view's middle, as a share of the view's width.
LABEL_OFFSET_SHARE = 0.12
#: The least gap between labels set outside on one side, as a share of the view's height (about two label lines).
LABEL_GAP_SHARE = 0.07


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


@dataclass(frozen=True)
class Label:
    """Where a region's name goes on a map (degrees): on the region, or beside it with a pointer to ``at``."""

    key: str  # the region's name in the scenario
    at: tuple[float, float]  # the region's label point (lon, lat), ``centre``
    text_at: tuple[float, float]  # where the text is; ``at`` for a label on its region
    align: str  # the text's side of ``text_at``: "center", or "right"/"left" (it ends/starts there)

    @property
    def pointed(self) -> bool:
        """Whether the label sits beside its region (drawn with a pointer)."""
        return self.text_at != self.at


def labels(shapes: list[RegionShape], view: View) -> dict[str, Label]:
    """Each region's label by region key, in ``shapes``' order.

    On the region, or for a small region (``SMALL_REGION_SHARE``) set ``LABEL_OFFSET_SHARE`` towards the view's
    middle, the labels on one side kept ``LABEL_GAP_SHARE`` apart from north to south.
    """
    width, height = view.lon[1] - view.lon[0], view.lat[1] - view.lat[0]
    middle = sum(view.lon) / 2
    placed: dict[str, Label] = {}
    small = []
    for shape in shapes:
        at = centre(shape)
        points = np.concatenate(shape.polygons)
        if np.ptp(points[:, 0]) >= SMALL_REGION_SHARE * width:
            placed[shape.key] = Label(shape.key, at, at, "center")
        else:
            small.append((shape.key, at))
    for west in (True, False):  # labels set west of their regions, then east
        side = [(key, at) for key, at in small if (at[0] > middle) == west]
        lowest = np.inf
        for key, (lon, lat) in sorted(side, key=lambda item: -item[1][1]):
            lowest = min(lat, lowest - LABEL_GAP_SHARE * height)
            shift = -LABEL_OFFSET_SHARE * width if west else LABEL_OFFSET_SHARE * width
            placed[key] = Label(key, (lon, lat), (lon + shift, float(lowest)), "right" if west else "left")
    return {shape.key: placed[shape.key] for shape in shapes}


def centre(shape: RegionShape) -> tuple[float, float]:
    """A label position for the region: the middle of its largest ring's bounding box (lon, lat)."""
    largest = max(shape.polygons, key=len)
    (lon0, lat0), (lon1, lat1) = largest.min(axis=0), largest.max(axis=0)
    return float((lon0 + lon1) / 2), float((lat0 + lat1) / 2)
