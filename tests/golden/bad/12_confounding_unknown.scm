model Instrument {
    Z : bool
    X : bool <- Z
    Y : bool <- X
    X <-> Yield
}
