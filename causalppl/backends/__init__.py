"""Stage 5 of the compiler: IR → Pyro source and callables, exact tensors, linear programs."""
