# Every query form of section 4 of the language contract.
model Queries {
    param b ~ Normal(0, 1)
    Z : {LOW, MID, HIGH}
    W : bool
    X : bool <- Z, W
    M : bool <- X
    Y ~ Poisson(exp(b + X + M))
    X <-> Y
}

query P(Y = 1)                                   # a probability
query P(X)                                       # the distribution of a finite variable
query P(Y = 1 | X = 0, Z = HIGH)                 # conditioning on evidence
query P(Y = 1 | do(X = 1))                       # intervention
query P(Y = 1 | do(X = 1, Z = 0), W = 1)         # both
query E[Y | do(X = 1)] - E[Y | do(X = 0)]        # arithmetic of queries
query E[Y[X = 0] | X = 1, Y = 3]                 # counterfactual: Y had X been 0
query P(Y[X = 0] = 0 | X = 1, Y = 1)             # probability of necessity
query E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]       # natural direct effect (nested)
query bounds E[Y | do(X = 1)] - E[Y | do(X = 0)] # sharp bounds when not identified
query identify P(Y = 1 | do(X = 1))              # identification: estimand + estimate
query pn = P(Y[X = 0] = 0 | X = 1, Y = 1)        # named query
query fd = identify P(Y = 1 | do(X = 1))         # named, with a prefix
query ace = bounds E[Y | do(X = 1)] - E[Y | do(X = 0)]
query E[b]                                       # posterior mean of a parameter

# events with other comparisons, joint events, arithmetic with numbers
query P(Y > 2 | do(X = 1))
query P(Y <= 1, M = 1 | Z != LOW)
query P(Z >= MID | W = 0)
query P(Y < 3 | do(Z = HIGH))
query 1 - P(Y = 0)
query ratio = (P(Y = 1 | do(X = 1)) + 0.5) / 2 * -P(M = 1)
query E[Y * 2 + M | W = 1]
# a query may be named like a variable or a parameter
query Y = P(Y = 1)
query b = E[b]
