"""Model references read from the repository's files: the hub-loader table (data), the
records (:class:`~.records.ModelCall`), the Python and text forms, and the per-scan
collection every domain reads (:func:`~.collect.collect_model_refs`)."""
