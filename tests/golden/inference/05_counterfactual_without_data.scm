model Confounded {
    X : bool
    Y : bool <- X
    X <-> Y
}
query P(Y[X = 1] = 1 | X = 0)
