# A constant that folds to nonsense: 1 / 0 has no value.
model Ratio {
    X ~ Normal(0, 1)
    Y ~ Normal(X / (2 - 2), 1)
}
