"""Reaching the cluster: connecting, RBAC, retried API calls, reading objects, watches, reaching into pods, the
suite's namespaces and the cluster lock."""
