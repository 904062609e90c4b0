# Levels are labels, not numbers: X is one of three labels.
model Levels {
    X : {-1, 0, 1} ~ Categorical([0.2, 0.3, 0.5])
    Y ~ Normal(X, 1)
}
