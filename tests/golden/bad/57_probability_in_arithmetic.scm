model Coin {
    Y ~ Bernoulli(0.5)
}

query q = P(Y) + 1
