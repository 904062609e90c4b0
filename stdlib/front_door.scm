# Front-door model: does smoking cause lung cancer through tar deposits?
#
# Smoking and Cancer share an unobserved cause (a genotype, say), so
# P(Cancer | do(Smoking)) cannot be obtained by adjusting for anything observed.
# Tar mediates the whole effect and is not confounded with either, so the effect
# is still identified, by the front-door formula
#   P(c | do(s)) = sum_t P(t | s) sum_s' P(c | t, s') P(s').
# All mechanisms are nonparametric: the distributions are learned from data.
#
# Source: Pearl, J. (1995). Causal diagrams for empirical research. Biometrika
# 82(4), 669-688; Pearl, J. (2009). Causality, 2nd ed., section 3.3.2.
#
# Interesting queries: the `identify` queries print the estimand (front door for
# Smoking -> Cancer, back door through Smoking for Tar -> Cancer, and plain
# P(Smoking = 1) for `reverse`, since Cancer does not cause Smoking) and need no
# data; with observational rows (`--data smoking.csv`, columns Smoking, Tar,
# Cancer) they also print the estimate.
model FrontDoor {
    Smoking : bool
    Tar     : bool <- Smoking
    Cancer  : bool <- Tar
    Smoking <-> Cancer
}

query fd = identify P(Cancer = 1 | do(Smoking = 1))
query tar = identify P(Cancer = 1 | do(Tar = 1))
query reverse = identify P(Smoking = 1 | do(Cancer = 1))
