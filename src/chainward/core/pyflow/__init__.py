"""Python read as data (``ast`` only, nothing imported or executed), shared by every
domain that reads Python: the per-file data flow (:mod:`.values`, :mod:`.collect`) and
parsing with CPython's parser limits turned into ``SyntaxError`` (:mod:`.parse`)."""
