"""The service's entry points by area: HTTP routes (``citizen``, ``auth``,
``desk``, ``reports``, bound into blueprints by ``app.py``) and the bodies of
the event handlers (``events``). Each view parses the call, runs one use case
and maps its result; domain errors become problems in ``chalicelib.api``."""
