model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query effect = P(Recovered = 1 | do(Treated = 1))
query effect = P(Recovered = 1 | do(Treated = 0))
