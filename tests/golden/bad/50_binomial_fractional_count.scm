model Trials {
    Successes ~ Binomial(2.5, 0.5)
}
