# args: --samples 0
model Linear {
    X ~ Normal(0, 1)
}
query E[X]
