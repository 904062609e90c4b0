model Heights {
    Mother ~ Normal(165, 7)
    Child ~ Normal(0.5 * Mother + 85, 5)
}

query P(Child | do(Mother = 180))
