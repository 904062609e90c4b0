model Effects {
    param b[3] ~ Normal(0, 1)
    Y ~ Normal(b[5], 1)
}
