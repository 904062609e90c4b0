# M-bias: a pre-treatment variable that should NOT be adjusted for.
#
# M is a collider between two unobserved causes, U1 (of the treatment X) and U2
# (of the outcome Y). X and Y are unconfounded, so the crude contrast is the
# causal effect; conditioning on M opens the path X <- U1 -> M <- U2 -> Y and
# biases it.
#
# Source: Greenland, S., Pearl, J. and Robins, J. M. (1999). Causal diagrams for
# epidemiologic research. Epidemiology 10(1), 37-48; Greenland, S. (2003).
# Quantifying biases in causal models: classical confounding vs
# collider-stratification bias. Epidemiology 14(3), 300-306.
#
# Interesting queries (exact):
#   ate     = 0.3   (the effect of X on Y)
#   crude   = 0.3   (no confounding: the crude contrast is right)
#   given_m = 0.249066   (conditioning on the collider M biases it)
model MBias {
    latent U1 ~ Bernoulli(0.5)
    latent U2 ~ Bernoulli(0.5)
    M ~ Bernoulli(if U1 == 1 and U2 == 1 then 0.9
                  else (if U1 == 1 or U2 == 1 then 0.5 else 0.1))
    X ~ Bernoulli(0.2 + 0.6 * U1)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.5 * U2)
}

query ate = E[Y | do(X = 1)] - E[Y | do(X = 0)]
query crude = E[Y | X = 1] - E[Y | X = 0]
query given_m = E[Y | X = 1, M = 1] - E[Y | X = 0, M = 1]
