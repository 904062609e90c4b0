# The model block was forgotten; only the queries were written.
data "trial.csv"

query P(Recovered = 1 | do(Treated = 1))
