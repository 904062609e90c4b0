# Every expression form: arithmetic, unary minus, comparisons, logic,
# if-then-else, the functions of the contract and vectors.
model Expressions {
    param b = 0.5
    param v = [0.1, 0.2, 0.7]
    Z ~ Normal(0, 1)
    W ~ Normal(0, 2)
    X : bool ~ Bernoulli(0.5)
    Region : {north, south, east} ~ Categorical([0.3, 0.3, 0.4])

    Sum := Z + W - 1
    Prod := Z * W / 2
    Pow := Z ^ 2 + 2 ^ -1
    Neg := -Z + -(W * 2)
    Prec := 1 + 2 * 3 ^ 2 - 4 / 2
    Eq := Z == W
    Ne := Z != W
    Lt := Z < W
    Le := Z <= W
    Gt := Z > W
    Ge := Z >= W
    Logic := (Z > 0 and W > 0) or not X
    North := Region == north
    Ordered := Region >= south
    Cond := if Z > 0 then W else -W
    Nested := if X then 1 else if Z > 1 then 2 else 3
    Funcs := exp(Z) + log(1 + abs(W)) + sqrt(abs(Z)) + sigmoid(Z) + softplus(W)
    Odds := logit(sigmoid(W))
    Bounded := min(max(Z, -1), 1)
    Vec := [1, 2, 3][1] + [Z, W][0]
    Y ~ Normal(b * Z + (if X then 1 else 0), exp(0.1 * W))
    Q ~ Bernoulli(sigmoid(-1 + 2 * X))
    R : {a, b, c} ~ Categorical(v)
    T := true
    F := false or X == true
}
