model Trial {
    Treated : bool
    Recovered : bool <- Treated
}

query Pr(Recovered = 1 | do(Treated = 1))
