model Effects {
    param b[3] ~ Normal(0, 1)
    X ~ Normal(0, 1)
    Y ~ Normal(b[X], 1)
}
