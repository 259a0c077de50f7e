"""The kubia StatefulSet of the book (Kubernetes in Action, chapter 10) in one test namespace: building its objects,
acting on it, waiting for its pods, keeping its claims, and reading its DNS records."""
