model Scaled {
    Income ~ Normal(1e39, 1e38)
}
