model Clash {
    hi ~ Normal(5, 1)
    A : {lo, hi} ~ Categorical([0.5, 0.5])
    Y := A == hi
}
