model Logs {
    X ~ Normal(log(-1), 1)
}
