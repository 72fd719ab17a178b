"""``mockluma proxy``: the real APIs, checked against the contracts and recorded as they are used.

An entry point, beside the CLI and the contract runner: it may import the app, the surfaces,
the contracts and the engine, and nothing imports it but the CLI. Its parts:

- :mod:`~mockluma.proxy.targets`: where each prefix goes (the real base URLs, or ``--target``);
- :mod:`~mockluma.proxy.server`: the ASGI forwarder, streaming both ways, 502/504 in dialect;
- :mod:`~mockluma.proxy.inspection`: the checks on each exchange and the report;
- :mod:`~mockluma.proxy.lifecycles`: forward-only and sticky states across polls;
- :mod:`~mockluma.proxy.redaction` and :mod:`~mockluma.proxy.recording`: recordings, no secrets;
- :mod:`~mockluma.proxy.compare` and :mod:`~mockluma.proxy.drift`: replaying recordings against
  the mock, and the drift report;
- :mod:`~mockluma.proxy.running`: building the proxy, and running it in a thread;
- :mod:`~mockluma.proxy.cli`: ``mockluma proxy`` and ``mockluma recordings check|compare``.
"""
