model Coin {
    Heads ~ Bernoulli(0.5, 0.5)
}
