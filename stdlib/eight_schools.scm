# Eight schools: effects of SAT coaching programmes in eight high schools, a
# classic hierarchical model, in its non-centered parameterization.
#
# Each school reports an estimated effect y with a known standard error sigma.
# School effects are mu + tau * theta_tilde[School]; the non-centered form keeps
# the posterior geometry easy for NUTS when tau is small.
#
# Source: Rubin, D. B. (1981). Estimation in parallel randomized experiments.
# J. Educational Statistics 6(4), 377-401; Gelman et al. (2013), Bayesian Data
# Analysis, 3rd ed., section 5.5; posteriordb posterior
# eight_schools-eight_schools_noncentered.
#
# Interesting queries: E[mu] (about 4.4) and E[tau] (about 3.6), posterior means
# with credible intervals; the data are in eight_schools.csv (columns School, y).
model EightSchools {
    param mu ~ Normal(0, 5)
    param tau ~ HalfCauchy(5)
    param theta_tilde[8] ~ Normal(0, 1)
    param sigma = [15, 10, 16, 11, 9, 11, 10, 18]
    School : {s1, s2, s3, s4, s5, s6, s7, s8}
    y ~ Normal(mu + tau * theta_tilde[School], sigma[School])
}

data "eight_schools.csv"

query E[mu]
query E[tau]
