"""Farm cash income as users see it: by region, per farm and per ha, what it leaves out (referee 33 M1, m6, m7)."""

import pandas as pd

from analysis.compare import summarise


def test_summarise_truncates_every_non_negative_quantity_of_the_by_region_table():
    """The by-region table's quantities that cannot be negative (sums of non-negative yearly flows) are truncated
    like the main table's: credits of three runs 0, 0 and 900 t read '300 (0 to ...)', not below 0."""
    per_run = pd.DataFrame({"scenario": "s", "region": "all", "credits_t_co2e": [0.0, 0.0, 900.0],
                            "public_payments_to_farmers": [0.0, 0.0, 90.0], "carbon_due_to_farmers": [0.0, 0.0, 9.0]})
    table = summarise(per_run, ["scenario", "region"]).iloc[0]
    for column in ("credits_t_co2e", "public_payments_to_farmers", "carbon_due_to_farmers"):
        assert table[f"{column}_lo"] == 0 and table[f"{column}_hi"] > table[column] > 0
