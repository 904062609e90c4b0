model Regression {
    param beta ~ Normal(0, 1)
    X ~ Normal(0, 1)
    Y ~ Normal(beta * X, 1)
    beta <-> Y
}
