"""Side-by-side benchmarks: every figure is a ratio against a limit or a peer of the same run."""
