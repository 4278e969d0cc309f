"""The carbon expected value's compiled pass (``expectation._expected``, ``_paying``) against the NumPy expressions it
replaced, bit for bit: the same floating-point operations per element in the same order, so no tolerance."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.incentives import expectation, mrv, summed
from sim.incentives.base import Valuation
from sim.incentives.baselines import eligible_under
from sim.incentives.registry import issued_share
from sim.units import CO2_PER_C


def reference(c, soil, horizon, asked, calendar, region, masks, mean_price):
    """``expected_value`` as NumPy broadcasts over (m, K) tables (main 34a891f)."""
    transition = soil.transition_years
    soc = asked.soc
    equilibrium = expectation.by_region(calendar.equilibrium, region, masks)
    enrolled = asked.enrolled
    seasons = np.where(enrolled, asked.seasons_left, c.crediting_period_years * (1 + c.crediting_renewals))
    counted = np.minimum(np.minimum(seasons, transition), horizon)
    share = 1.0 if calendar.path.shape[1] == 0 else path_shares(calendar, region, masks, soc, counted, transition)
    rate_c = np.maximum(equilibrium - soc[:, None] - asked.drift[:, None], 0.0) / transition * share
    stock = np.broadcast_to(soc[:, None], rate_c.shape)
    share = calendar.relative_sd[np.reshape(region, (-1, 1)), asked.baseline[:, None], masks]
    deduction = mrv.uncertainty_deduction(c, rate_c * c.verification_interval_years, stock,
                                          asked.bulk_density[:, None], soil.depth_cm, share)
    credited = rate_c * CO2_PER_C * (1.0 - deduction) * (1.0 - c.baseline.reference_deduction) * issued_share(c)
    per_ton = asked.value_share * calendar.credit_pv[region, counted]
    pv = (credited * (per_ton * mean_price)[:, None]
          - (asked.mrv_per_ha * calendar.mrv_pv[region, np.minimum(seasons, horizon)])[:, None])
    eligible = eligible_under(asked.candidates, masks)
    liability = np.zeros(pv.shape)
    if enrolled.any():
        accrued = (asked.gained() * CO2_PER_C * issued_share(c) * asked.value_share * mean_price
                   * calendar.next_payment[region])
        pv = pv + np.where(enrolled, accrued, 0.0)[:, None]
        if c.on_reversal == "clawback":
            liability = np.where(enrolled[:, None] & ~eligible,
                                 expectation.exit_liability(c, soil, horizon, asked, equilibrium, mean_price), 0.0)
    counted = eligible & (enrolled | ~asked.ever)[:, None]
    return np.where(counted, pv, 0.0), np.where(counted, credited * per_ton[:, None], 0.0), liability


def path_shares(calendar, region, masks, soc, counted, transition):
    """(m, K) share of the linear rule's gain of each farm and bundle column on its bundle's ``calendar.path``: the
    Python function ``_path_share`` compiles from, element by element."""
    m = soc.size
    regions = np.broadcast_to(np.reshape(region, (-1, 1)), (m, np.shape(masks)[-1]))
    bundles = np.broadcast_to(masks, regions.shape)
    return np.array([[expectation._path_share.py_func(calendar.path[r, :, b], calendar.equilibrium[r, b], soc[i],
                                                      counted[i], float(transition))
                      for r, b in zip(regions[i], bundles[i], strict=True)] for i in range(m)])


def same(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def curved_path(table, seasons, rng):
    """SOC (t C/ha) after s = 0 .. ``seasons`` from each region's conventional stock ``table[:, 0]`` toward each
    bundle's equilibrium ``table`` (R, 16), exponentially (time constants 5-40 years): (R, seasons + 1, 16)."""
    start = table[:, None, :1]
    tau = rng.uniform(5, 40, (table.shape[0], 1, table.shape[1]))
    return start + (table[:, None, :] - start) * (1.0 - np.exp(-np.arange(seasons + 1)[None, :, None] / tau))


@pytest.mark.parametrize("name", ["mrv_individual", "mrv_group_spectral", "preset_verra_vm0042", "ipcc_tier1"])
@pytest.mark.parametrize("reversal", ["buffer", "clawback"])
@pytest.mark.parametrize("path", ["linear", "curved"])
def test_expected_value_is_the_numpy_expressions_bit_for_bit(name, reversal, path):
    """Also with a modelled relative sd per (region, baseline bundle, bundle), inf where a pair has no change, and
    with a soil model whose path is not the linear rule (a ``path``, RothC's: each farm's share of the rule's gain at
    its equivalent age on it, below the path's start, on it and beyond its reach)."""
    derived = name == "ipcc_tier1"
    scenario = sim.load_scenario(SCENARIOS / ("preset_verra_vm0042.toml" if derived else f"{name}.toml"))
    c, soil = scenario.carbon.model_copy(update={"on_reversal": reversal}), scenario.soil
    rng = np.random.default_rng(5)
    m, regions, horizon = 120, 3, 12
    enrolled = rng.random(m) < 0.3
    soc = rng.uniform(20, 60, m)
    soc[:5] = 40.0  # no change under bundle 0: everything deducted
    asked = expectation.Asked(
        soc=soc, drift=rng.normal(0, 2, m) * (rng.random(m) < 0.7), bulk_density=rng.uniform(1, 1.5, m),
        area=rng.uniform(1, 50, m), candidates=rng.integers(0, 16, m), baseline=rng.integers(0, 16, m, np.uint8),
        enrolled=enrolled,
        ever=enrolled | (rng.random(m) < 0.2), seasons_left=np.where(enrolled, rng.integers(0, 20, m), 0),
        mrv_per_ha=rng.uniform(0, 10, m), value_share=rng.uniform(0.5, 1, m),
        gained=lambda: np.linspace(0, 1, m), outstanding=lambda: np.linspace(0, 30, m))
    table = rng.uniform(20, 60, (regions, 16))
    table[:, 0] = 40.0
    relative_sd = np.full((regions, 16, 16), getattr(c.mrv.approach, "relative_sd", 0.0))
    if derived:
        relative_sd = np.where(rng.random(relative_sd.shape) < 0.1, np.inf, rng.uniform(0.1, 1.5, relative_sd.shape))
    calendar = expectation.Calendar(table, rng.uniform(0, 5, (regions, horizon + 1)),
                                    rng.uniform(0, 5, (regions, horizon + 1)), rng.uniform(0.8, 1, regions),
                                    relative_sd, np.zeros((regions, 0, 16)) if path == "linear"
                                    else curved_path(table, 3 * soil.transition_years, rng))
    region, price = rng.integers(0, regions, m), rng.uniform(0, 30, m)
    for args in [(region, np.arange(16), price), (region, rng.integers(0, 16, (m, 1)), price),
                 (1, np.arange(16), 12.5), (region, np.arange(16)[::-1].copy(), price)]:  # the last: not identity
        got = expectation.expected_value(c, soil, 10, asked, calendar, *args)
        want = reference(c, soil, 10, asked, calendar, *args)
        assert all(same(g, w) for g, w in zip(got, want, strict=True))
    pv, sensitivity, liability = want = reference(c, soil, 10, asked, calendar, region, np.arange(16), price)
    variance = rng.uniform(0, 3, m)
    variance[:3] = -0.0  # products of -0.0, which the summed tables' zero makes +0.0
    got_pv, got_var = expectation._paying(pv.copy(), sensitivity.copy(), liability, variance)
    assert same(got_pv, np.where(pv > 0, pv, 0.0) - liability)
    assert same(got_var, np.where(pv > 0, sensitivity, 0.0) ** 2 * variance[:, None])
    tables = pv.copy(), sensitivity.copy()
    assert all(a is b for a, b in zip(expectation._paying(*tables, liability, variance), tables, strict=True))
    # asked with the variances, the paying tables come in expected_value's own pass when no claw-back is expected,
    # already 0.0 + their values (summed's first table): summed takes them as they are, to the same bytes
    paid_pv, paid_var, paid_liability = expectation.expected_value(c, soil, 10, asked, calendar, region, np.arange(16),
                                                                   price, variance)
    assert (paid_liability is None) == (reversal == "buffer")
    if paid_liability is None:
        assert same(paid_pv, np.add(0.0, got_pv)) and same(paid_var, np.add(0.0, got_var))
        assert np.signbit(got_var[:3]).any() and not np.signbit(paid_var).any()
        paid = summed([Valuation(paid_pv, paid_var, owned=True, zero_added=True)], m, 16)
        assert paid[0] is paid_pv and paid[1] is paid_var
        assert all(same(a, b) for a, b in zip(paid[:2], summed([Valuation(got_pv, got_var)], m, 16)[:2], strict=True))


def test_plus_zero_is_numpys_zero_plus_values_bit_for_bit():
    """The summed incentive table's first value: 0.0 + each value, -0.0 made +0.0 (NaN and infinities kept), by the
    compiled parallel copy for C-contiguous float64 tables and by NumPy for others: the same bytes either way."""
    from sim.incentives import plus_zero

    rng = np.random.default_rng(3)
    values = rng.normal(0, 5, (300, 16))
    values[0, :5] = [-0.0, 0.0, np.nan, np.inf, -np.inf]
    for table in (values, values[::-1], values.T.copy().T, values.astype(np.float32)):
        got = plus_zero(table, *table.shape)
        assert got.dtype == np.float64 and got.flags.c_contiguous
        assert got.tobytes() == np.add(0.0, table, dtype=np.float64).tobytes()
    assert np.signbit(values[0, 0]) and not np.signbit(plus_zero(values, *values.shape)[0, 0])
    owned = values.copy()  # a table a Valuation owns is added to in place, to the same bytes
    assert plus_zero(owned, *owned.shape, in_place=True) is owned
    assert owned.tobytes() == np.add(0.0, values).tobytes()
    strided = values[::-1]  # another layout is still copied, and left as it was
    assert plus_zero(strided, *strided.shape, in_place=True) is not strided and np.signbit(strided[-1, 0])
