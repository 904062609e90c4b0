# args: --seed -1 --chains two
model Linear {
    X ~ Normal(0, 1)
}
query E[X]
