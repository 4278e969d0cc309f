"""Running many models: experiment specs, designs, one executor for local and Dask runs, storage and resume.

The model (``sim``) knows nothing of this package; ``analysis``, ``facilitation`` and ``cli`` build on it.
"""
