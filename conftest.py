"""Entry point of the suite: loads the plugin that holds its options, hooks and fixtures."""

pytest_plugins = ("kubia_conformance.plugin",)
