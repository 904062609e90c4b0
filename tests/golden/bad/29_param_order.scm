model Hierarchical {
    param alpha ~ Normal(mu, tau)
    param mu ~ Normal(0, 10)
    param tau ~ HalfNormal(5)
    Y ~ Normal(alpha, 1)
}
