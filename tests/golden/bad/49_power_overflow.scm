# 10 ^ 400 is beyond the largest float.
model Big {
    X ~ Normal(10 ^ 400, 1)
}
