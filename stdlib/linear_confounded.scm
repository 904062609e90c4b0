# A Bayesian linear-Gaussian SCM with a confounder: Z -> X, Z -> Y and X -> Y.
# The coefficients and noise scales are parameters with priors, shared by all
# units, and are learned from data; beta is the causal effect of X on Y.
#
# This model needs data: run it with `--data FILE.csv` (columns Z, X, Y). Without
# data the queries return the prior (E[beta] = 0).
#
# Source: the textbook linear confounding example, e.g. Pearl, J. (2009).
# Causality, 2nd ed., chapter 5 (linear structural equation models).
#
# Interesting queries: E[beta] (posterior mean of the effect, with a credible
# interval) and the interventional contrast, which equals beta in a linear model.
model LinearConfounded {
    param alpha ~ Normal(0, 10)    # Z -> X
    param gamma ~ Normal(0, 10)    # Z -> Y
    param beta ~ Normal(0, 10)     # X -> Y, the causal effect
    param sigma_x ~ HalfNormal(1)
    param sigma_y ~ HalfNormal(1)
    Z ~ Normal(0, 1)
    X ~ Normal(alpha * Z, sigma_x)
    Y ~ Normal(beta * X + gamma * Z, sigma_y)
}

query E[beta]
query ate = E[Y | do(X = 1)] - E[Y | do(X = 0)]
query E[gamma]
