model Dose {
    X ~ Normal(0, 1)
    Y ~ Normal(2 * X + 1, 0.5
}

query E[Y | do(X = 1)]
