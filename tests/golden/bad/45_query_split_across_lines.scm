model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query ate = E[Recovered | do(Treated = 1)]
            - E[Recovered | do(Treated = 0)]
