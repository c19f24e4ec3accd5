"""Summary kinds: each module turns user data into a ``Summary.Value`` (and back, for readers)."""
