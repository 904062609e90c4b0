model Wide {
    X ~ Normal(0, 1e999)
}
