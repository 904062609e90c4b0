# Data lines: observational rows, and rows from experiments that set a
# variable per row or to a fixed value (paths are relative to this file).
model Trial {
    Assigned : bool ~ Bernoulli(0.5)
    Received : bool <- Assigned
    Outcome : bool <- Received
    Received <-> Outcome
}

data "trial.csv"                       # observational rows
data "rct.csv" under do(Received)      # rows from an experiment that set Received
data "rct_treated.csv" under do(Received = 1)
data "rct_both.csv" under do(Assigned, Received = 0);

query bounds E[Outcome | do(Received = 1)] - E[Outcome | do(Received = 0)]
