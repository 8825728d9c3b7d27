"""The demo: a desk page for a first look, its agent key, and a simulated month of traffic.

``desk`` hands the demo tenant's agent key to a browser on this machine, ``repository`` keeps that key,
``page`` serves /demo and /demo/config, ``traffic`` simulates agents and customers through the real
services, and ``command`` is ``advisor demo seed``.
"""
