# One intervention setting a variable twice: in a subscript, in do(...) and in a data line.
model Clinic {
    smoke : {yes, no} ~ Categorical([0.5, 0.5])
    exercise : bool ~ Bernoulli(0.4)
    lung : {yes, no} ~ table(smoke, exercise) {
        yes, 0 : [0.12, 0.88]
        yes, 1 : [0.08, 0.92]
        no, 0 : [0.02, 0.98]
        no, 1 : [0.01, 0.99]
    }
}

data "trial.csv" under do(smoke = no, smoke)

query E[lung[smoke = yes, smoke = no] == yes]
query P(lung = yes | do(smoke = no, exercise = 1, smoke = no))
