# args: --method svi
model Known {
    X ~ Normal(0, 1)
    Y ~ Normal(X, 1)
}
query E[Y[X = 0] | X = 1, Y = 2]
