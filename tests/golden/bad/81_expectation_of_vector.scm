# The mean of a vector parameter asked for whole, and a vector used as a variable's value.
model Schools {
    param theta[3] ~ Normal(0, 1)
    school : {a, b, c} ~ Categorical([0.3, 0.3, 0.4])
    score ~ Normal(theta[school], 1)
    bonus := theta + 1
}

query E[theta]
query E[theta[0]]
