"""Optional connectors to other systems (Zendesk, ...), found by advisor through entry points.

Each module implements one or more Protocols of :mod:`advisor.plugins` and is registered under
the ``advisor.connectors`` entry-point group; advisor itself never imports this package.
"""
