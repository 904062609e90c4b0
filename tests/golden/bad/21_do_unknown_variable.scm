model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query P(Recovered = 1 | do(Treatment = 1))
