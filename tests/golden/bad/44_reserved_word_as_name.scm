model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query bounds = E[Recovered | do(Treated = 1)] - E[Recovered | do(Treated = 0)]
