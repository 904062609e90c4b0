model Visits {
    Age ~ Normal(40, 12)
    Visits ~ Poisson(exp(0.02 * Age))
}

query P(Visits)
