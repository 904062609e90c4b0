model Pick {
    C : {a, b} ~ Categorical([1.2, -0.2])
}
