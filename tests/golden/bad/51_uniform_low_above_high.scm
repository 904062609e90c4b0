model Range {
    X ~ Uniform(1, 0)
}
