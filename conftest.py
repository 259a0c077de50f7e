"""Entry point of the suite in a checkout (and in the suite's image): its pytest plugin, and its fixtures, one module
per cluster concept in fixtures/ (found through the `pythonpath` setting in pyproject.toml)."""

pytest_plugins = (
    "kubia_conformance.plugin",
    "fixtures.cluster",
    "fixtures.namespaces",
    "fixtures.kubia",
    "fixtures.dns",
    "fixtures.outage",
)
