model Tiny {
    Rate ~ Gamma(1e-300, 1)
}
