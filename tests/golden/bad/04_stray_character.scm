model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query P(Recovered = 1 | do(Treated = 1)) @ 0.95
