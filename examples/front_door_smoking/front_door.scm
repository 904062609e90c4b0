# Pearl's front-door example (Causality, 2nd ed., section 3.3.2): does smoking
# cause cancer when an unmeasured genotype drives both? Tar deposits mediate
# the whole effect, so the front-door formula identifies it from observational
# data alone. smoking.csv is Pearl's hypothetical 800-person table.
model FrontDoor {
    Smoking : bool
    Tar     : bool <- Smoking
    Cancer  : bool <- Tar
    Smoking <-> Cancer
}

data "smoking.csv"

query p1 = identify P(Cancer = 1 | do(Smoking = 1))
query p0 = identify P(Cancer = 1 | do(Smoking = 0))
query ace = identify E[Cancer | do(Smoking = 1)] - E[Cancer | do(Smoking = 0)]
# Naive conditioning says smoking is harmful; the causal effect is the opposite.
query seen = identify P(Cancer = 1 | Smoking = 1)
