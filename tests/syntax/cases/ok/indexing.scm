# Indexing a parameter vector by a categorical variable's level position
# (section 2: `b[Region]`) and by a number.
model Indexing {
    param b[3] ~ Normal(0, 1)
    param s = [1, 2]
    Region : {north, south, east} ~ Categorical([0.3, 0.3, 0.4])
    Treated : bool ~ Bernoulli(0.5)
    Income ~ Normal(b[Region] + s[Treated], 1)
    Bonus := s[0] * b[2]
}

query E[Income | do(Region = south)]
query E[b[1]]
