# The NSW job-training experiment (Dehejia-Wahba sample of LaLonde's data): 185 trained men, 260 controls.
# Training was assigned at random, so the effect on 1978 earnings is identified without adjustment.
model NSWExperiment {
    treat : bool
    re78 : real <- treat
}

data "nsw_dw.csv"

query ate = E[re78 | do(treat = 1)] - E[re78 | do(treat = 0)]
