model Instrument {
    Z : bool
    X <- Z
    Y : bool <- X
}
