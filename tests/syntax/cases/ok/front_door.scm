# Comments run from '#' to the end of the line.
model FrontDoor {
    Smoking : bool
    Tar     : bool <- Smoking
    Cancer  : bool <- Tar
    Smoking <-> Cancer
}

data "smoking.csv"

query P(Cancer = 1 | do(Smoking = 1))
query ate = E[Cancer | do(Smoking = 1)] - E[Cancer | do(Smoking = 0)]
