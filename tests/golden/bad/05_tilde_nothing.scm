model Noise {
    Z ~ Normal(0, 1)
    X ~
    Y ~ Normal(X + Z, 1)
}
