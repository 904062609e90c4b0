# args: --method identification
model Back {
    Z : bool
    X : bool <- Z
    Y : bool <- X, Z
}
query P(Y = 1 | do(X = 1))
