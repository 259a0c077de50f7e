"""Reporting: every check's reports collected, the acceptance report (JSON, its schema, one HTML page with a
lifecycle picture per check), and reading JUnit results back."""
