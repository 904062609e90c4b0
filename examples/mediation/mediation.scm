# Mediation analysis in a linear-Gaussian model: X affects Y directly and through
# the mediator M. Natural direct and indirect effects are written with nested
# potential outcomes: Y[X = 1, M = M[X = 0]] is Y had X been 1 while M stayed at
# the value it would have had under X = 0.
#
# Source: Pearl, J. (2001). Direct and indirect effects. Proc. UAI 2001, 411-420;
# the linear case is Baron, R. M. and Kenny, D. A. (1986). J. Personality and
# Social Psychology 51(6), 1173-1182.
#
# Interesting queries (closed form, linear model):
#   nde = c = 0.3      natural direct effect
#   nie = a * b = 0.4  natural indirect effect
#   te  = c + a * b = 0.7
model Mediation {
    param a = 0.5    # X -> M
    param b = 0.8    # M -> Y
    param c = 0.3    # X -> Y, direct
    X ~ Normal(0, 1)
    M ~ Normal(a * X, 1)
    Y ~ Normal(c * X + b * M, 1)
}

query nde = E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]
query nie = E[Y[X = 0, M = M[X = 1]] - Y[X = 0]]
query te = E[Y | do(X = 1)] - E[Y | do(X = 0)]
