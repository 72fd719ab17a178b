"""The code that reads the shipped JSON schemas (the data lives in the top-level ``schemas/``
directory, shipped as ``mockluma/_data/schemas``):

- :mod:`~mockluma.schemas.store`: every schema, loaded and checked once, and its validators;
- :mod:`~mockluma.schemas.route_schemas`: which schema describes each route of a surface
  (``schemas/<surface>/routes.json``); not to be confused with :mod:`mockluma.web.router`,
  which routes requests;
- :mod:`~mockluma.schemas.conformance`: the checks of one response against its route's
  schemas, shared by strict mode and the contract runner.

It sits below the surfaces and the app, beside :mod:`mockluma.web`, and imports neither.
"""
