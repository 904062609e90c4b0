# Every distribution family of the contract, with positional arguments,
# canonical argument names and the accepted aliases.
model Distributions {
    # parameters with priors (Dirichlet is for parameters)
    param mu ~ Normal(loc=0, scale=1)
    param sigma ~ HalfNormal(scale=1)
    param tau ~ HalfCauchy(1)
    param theta ~ Beta(2, 2)
    param rho ~ Beta(alpha=1, beta=3)
    param pi[3] ~ Dirichlet([1, 1, 1])
    param pj ~ Dirichlet(concentration=[2, 2])
    param lam ~ Gamma(2, 1)
    param kappa ~ Gamma(shape=2, rate=0.5)
    param nu ~ Exponential(rate=0.1)

    # bool
    A ~ Bernoulli(0.3)
    B ~ Bernoulli(p=0.4)
    C ~ Bernoulli(probs=theta)
    D ~ Bernoulli(logits=mu + 0.5 * A)

    # finite levels
    K ~ Categorical([0.2, 0.3, 0.5])
    L : {red, green, blue} ~ Categorical(probs=[0.1, 0.6, 0.3])
    M : {low, high} ~ Categorical(logits=[0.0, 1.5])

    # real
    N1 ~ Normal(mu, sigma)
    N2 ~ Normal(loc=N1, scale=1)
    N3 ~ Normal(mu=N1, sigma=2)
    G ~ LogNormal(0, 1)
    G2 ~ LogNormal(loc=0, scale=0.5)
    T1 ~ StudentT(3)
    T2 ~ StudentT(3, N1, 1)
    T3 ~ StudentT(df=nu, loc=0, scale=1)
    C1 ~ Cauchy(0, 1)
    C2 ~ Cauchy(loc=0, scale=tau)
    L1 ~ Laplace(0, 1)
    L2 ~ Laplace(loc=N1, scale=2)
    U1 ~ Uniform(0, 1)
    U2 ~ Uniform(low=-1, high=1)
    B1 ~ Beta(2, 5)
    B2 ~ Beta(concentration1=2, concentration0=5)
    G3 ~ Gamma(2, 1)
    G4 ~ Gamma(concentration=kappa, rate=lam)
    E1 ~ Exponential(1)
    E2 ~ Exponential(lambda=2)
    H1 ~ HalfNormal(1)
    H2 ~ HalfNormal(sigma=2)
    H3 ~ HalfCauchy(1)
    H4 ~ HalfCauchy(scale=2)

    # int
    P1 ~ Poisson(3)
    P2 ~ Poisson(rate=lam)
    P3 ~ Poisson(mu=2)
    Bi1 ~ Binomial(10, 0.5)
    Bi2 ~ Binomial(n=10, p=theta)
    Bi3 ~ Binomial(total_count=5, probs=0.2)
}
