"""The evidence engine: the timelines one watch records per test (states, history, watcher, timeline), the rules
that read guarantees off them (ordering, identity, claims), and the evidence a failed check carries."""
