# The checker reports every mistake at once.
model Clinic {
    Age ~ Normal(50, 10)
    Treated : bool ~ Bernoulli(sigmoid(Agee / 10))
    Outcome : bool ~ Bernulli(0.3)
}

query P(Outcome = 1 | do(Treated = 2))
