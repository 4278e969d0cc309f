"""Analysis of runs: sensitivity, scenario discovery, calibration and validation, comparison, target search, plots."""
