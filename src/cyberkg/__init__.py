"""cyberkg — the open knowledge graph of transatlantic (EU–US) cyber policy.

The library is the product; the ``cyberkg`` command is a thin skin over it::

    from cyberkg import store, gaps
    ds = store.open_built()                      # an rdflib Dataset on the built store
    report = gaps.find_gaps(ds, as_of="2020-11-26")
"""

__version__ = "0.1.0"
