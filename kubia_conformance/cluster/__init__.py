"""Reaching the cluster: connecting, RBAC, retried API calls, reading objects, watches, reaching into pods, the
suite's namespaces, the cluster lock, and cleaning up after a killed run."""
