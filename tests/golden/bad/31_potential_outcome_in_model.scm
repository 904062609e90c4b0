model Mediation {
    X : bool
    M : bool <- X
    Y := M[X = 0] or X
}
