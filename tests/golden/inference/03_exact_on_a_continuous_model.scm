# args: --method exact
model Linear {
    X ~ Normal(0, 1)
    Y ~ Normal(2 * X, 1)
}
query E[Y * Y | do(X = 1)]
