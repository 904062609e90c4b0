# NSW trainees against CPS-1, adjusting for the pre-training covariates Dehejia and Wahba use:
# age, schooling, race, marriage, no degree, and earnings in 1974 and 1975 (with indicators of zero earnings).
# The covariates' distributions are left unknown (nonparametric); the outcome's mechanism is written out,
# so the g-formula uses it as its Bayesian outcome model (flat-ish priors).
model NSWvsCPSAdjusted {
    param b0 ~ Normal(0, 100000)
    param effect ~ Normal(0, 100000)
    param b_age ~ Normal(0, 100000)
    param b_educ ~ Normal(0, 100000)
    param b_black ~ Normal(0, 100000)
    param b_hisp ~ Normal(0, 100000)
    param b_marr ~ Normal(0, 100000)
    param b_nodegree ~ Normal(0, 100000)
    param b_re74 ~ Normal(0, 100)
    param b_re75 ~ Normal(0, 100)
    param b_u74 ~ Normal(0, 100000)
    param b_u75 ~ Normal(0, 100000)
    param sigma ~ HalfNormal(100000)

    age : real
    educ : real <- age
    black : bool
    hisp : bool
    marr : bool <- age, black, hisp
    nodegree : bool <- educ
    re74 : real <- age, educ, black, hisp, marr, nodegree
    re75 : real <- re74, age, educ, black, hisp, marr, nodegree
    treat : bool <- age, educ, black, hisp, marr, nodegree, re74, re75
    re78 ~ Normal(b0 + effect * treat + b_age * age + b_educ * educ + b_black * black + b_hisp * hisp
                  + b_marr * marr + b_nodegree * nodegree + b_re74 * re74 + b_re75 * re75
                  + b_u74 * (re74 == 0) + b_u75 * (re75 == 0), sigma)
}

data "nsw_cps.csv"

query ate = E[re78 | do(treat = 1)] - E[re78 | do(treat = 0)]
