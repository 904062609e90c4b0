model Observational {
    X : bool
    Y : bool <- X
}

model Experimental {
    X : bool
    Y : bool <- X
}
