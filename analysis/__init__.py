"""Analysis on top of the model: plots, reports, sweeps. The model (``sim``) knows nothing of this package."""
