"""Timing: the clock messages use, each check's stopwatch and the split of its time, longest checks first under
xdist, and the benchmark behind scripts/bench."""
