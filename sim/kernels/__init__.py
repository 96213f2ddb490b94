"""``@njit`` kernels: pure functions over arrays, no configs, files or global randomness.

Both engines call these, so their arithmetic is the same to the last bit. Every kernel is
compiled with ``cache=True``: a second process loads the machine code instead of recompiling."""
