model Clip {
    Z ~ Normal(0, 1)
    Clipped := max(Z)
}
