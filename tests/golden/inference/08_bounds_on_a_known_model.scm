# args: --method bounds
model Known {
    X ~ Bernoulli(0.3)
    Y : bool ~ Bernoulli(if X then 0.9 else 0.2)
}
query P(Y = 1 | do(X = 1))
