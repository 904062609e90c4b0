model Regression {
    param beta ~ Normal(0, 1)
    X ~ Normal(0, 1)
    Y ~ Normal(beta * X, 1)
}

query E[Y | do(X = 1), beta = 0]
