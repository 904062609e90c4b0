# args: --method mc
model FrontDoor {
    Smoking : bool
    Tar : bool <- Smoking
    Cancer : bool <- Tar
    Smoking <-> Cancer
}
query identify P(Cancer = 1 | do(Smoking = 1))
