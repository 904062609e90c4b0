model Counts {
    Exposure ~ Normal(0, 1)
    Cases ~ Poison(exp(Exposure))
}
