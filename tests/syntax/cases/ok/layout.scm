# Layout: comments, `;` terminators, several statements on a line,
# expressions wrapping across lines inside brackets, and variables named P and E.
model Layout {   # a comment after the opening brace
    P : bool; E : bool <- P;    # two declarations on one line
    A ~ Bernoulli(0.5);
    # a comment on its own line

    Y ~ Normal(
        2 * P          # comments inside brackets are fine
        + 3 * E
        - A,
        1
    )
    V := max(
        [Y,
         Y ^ 2][1],
        0)
    Level : {
        low, mid,
        high
    } ~ Categorical([0.2,
                     0.3,
                     0.5])
    Crit ~ table(P, E) {
        0, 0 : [0.9,
                0.1]
        0, 1 : [0.8, 0.2]; 1, 0 : [0.7, 0.3]
        1, 1 : [0.6, 0.4]
    }
    P <-> A;
}
data "trial.csv"; data "rct.csv" under do(
    A)
query P(E = 1 | do(P = 1)); query E[E | P = 0]
query P(P)
query effect = (E[Y | do(P = 1,
                         E = 0)]
                - E[Y | do(P = 0,
                           E = 0)])
query P(Y[P = 1] > 0 |
        P = 0,
        E = 1)
query E[P[A = 1]]


query E[Y];
