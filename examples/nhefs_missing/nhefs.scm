# Quitting smoking and weight gain (NHEFS), with the weight change missing for 63 of 1629 people.
# The outcome model of Hernan & Robins, "Causal Inference: What If", chapter 13 (standardization):
# linear in the treatment, the covariates, their squares and treatment x smoking intensity.
# See README.md for the data's source and the published numbers this reproduces.
model NHEFS {
    param b0 ~ Normal(0, 20)
    param effect ~ Normal(0, 10)          # qsmk, at the mean smoking intensity
    param effect_intensity ~ Normal(0, 10)
    param b_age[2] ~ Normal(0, 10)         # linear and squared terms, on standardized scales
    param b_intensity[2] ~ Normal(0, 10)
    param b_years[2] ~ Normal(0, 10)
    param b_weight[2] ~ Normal(0, 10)
    param b_sex ~ Normal(0, 10)
    param b_race ~ Normal(0, 10)
    param b_education[5] ~ Normal(0, 10)
    param b_exercise[3] ~ Normal(0, 10)
    param b_active[3] ~ Normal(0, 10)
    param sigma ~ HalfNormal(20)
    param p[7] ~ Normal(0, 5)              # the propensity of quitting (it does not enter the answer)

    # covariates: conditioned on, read from the data rows (never modelled)
    age : int
    smokeintensity : int                   # cigarettes per day in 1971
    smokeyrs : int                         # years of smoking
    wt71 : real                            # weight in 1971, kg
    # finite roots: their distributions are learned (Dirichlet tables)
    sex : bool
    race : bool
    education : {1, 2, 3, 4, 5}
    exercise : {0, 1, 2}
    active : {0, 1, 2}

    latent a := (age - 44) / 12
    latent i := (smokeintensity - 20.5) / 12
    latent y := (smokeyrs - 25) / 12
    latent w := (wt71 - 71) / 16

    qsmk ~ Bernoulli(logits = p[0] + p[1] * a + p[2] * i + p[3] * y + p[4] * w + p[5] * sex + p[6] * race)
    wt82_71 ~ Normal(b0 + effect * qsmk + effect_intensity * qsmk * i
                     + b_age[0] * a + b_age[1] * a ^ 2 + b_intensity[0] * i + b_intensity[1] * i ^ 2
                     + b_years[0] * y + b_years[1] * y ^ 2 + b_weight[0] * w + b_weight[1] * w ^ 2
                     + b_sex * sex + b_race * race + b_education[education] + b_exercise[exercise]
                     + b_active[active], sigma)
}

data "nhefs.csv"

query quit = E[wt82_71 | do(qsmk = 1)]
query keep = E[wt82_71 | do(qsmk = 0)]
query ate = E[wt82_71 | do(qsmk = 1)] - E[wt82_71 | do(qsmk = 0)]
