"""Words of the language that cannot name variables, parameters or queries."""

RESERVED_WORDS = frozenset(
    "model data query latent param under do bounds identify table bool int real true false and or not if then else"
    .split()
)
