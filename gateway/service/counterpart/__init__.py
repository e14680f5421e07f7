"""The sandbox counterpart: an organisation of a sandbox deployment played by a scenario.

A developer testing one side of the portal needs the other side to answer. Switched on for an
organisation (``switch``: stored in ``system_settings``, so every process sees it, and refused
unless the deployment is a sandbox), the counterpart reads that organisation's worklists and takes
the decisions its scenario (``scenario``: a small TOML file; the shipped ones are in
``scenarios/``) names for each phase, after the delay it names, with the shipped sample packs
(``gateway.samples``). It acts exactly as a user does (``engine``): a real access token of the
organisation's A2A user, requests run on ``GatewayService.handle``, each journaled as that user.
``gateway sandbox run`` (``cli``) is its loop.
"""
