# Every kind of declaration of section 2 of the language contract.
model Declarations {
    # parameters: a prior, a vector of priors, fixed constants (scalar and vector)
    param b ~ Normal(0, 1)
    param w[3] ~ Normal(0, 1)
    param c = 0.7
    param s = [1, 2]
    param t : real ~ HalfNormal(1)

    # latent variables, stochastic and deterministic
    latent U ~ Normal(0, 1)
    latent V := 2 * U
    latent L : bool ~ Bernoulli(0.5)

    # nonparametric roots and mechanisms
    A : bool
    B : bool <- A
    C : bool <- A, B
    Grade : {low, mid, high} <- A
    Dose : {1, 2, 3}
    Count : int <- A
    Shift : {-1, 0, 1} <- A, Dose

    # parametric and deterministic mechanisms, with and without types
    Z ~ Normal(0, 1)
    X ~ Normal(2 * Z + 1, 0.5)
    Y : real ~ Normal(b * X + c * U + V, t)
    K : {low, mid, high} ~ Categorical([0.2, 0.3, 0.5])
    Region ~ Categorical([0.5, 0.25, 0.25])
    R ~ Normal(b + c * X, 1)
    Flag := A or B
    Both : bool := A and not L
    Score : real := X + Y
    Level : {1, 2, 3} := if Dose == 3 then 3 else 1
    Mood : {low, mid, high} := if Grade == high then mid else low

    # unobserved confounding
    A <-> C
    X <-> Y
    Grade <-> Count
}

query P(Dose = 3 | do(Grade = high))
query P(Level = 1 | do(Dose = 2))
query P(Shift = -1)
query E[Y | do(A = true, L = false)]
