"""What differs from one cluster to another, each chosen once per session behind one interface: how claims get
volumes, how a pod is made unready, how DNS is reached, how a node is stopped; the capabilities detected and the
preflight that chooses them."""
