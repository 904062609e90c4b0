# The same 185 trained men against 15,992 CPS respondents (LaLonde's CPS-1 comparison group),
# with the graph of a randomized study: the difference in means, far from the experiment.
model NSWvsCPSNaive {
    treat : bool
    re78 : real <- treat
}

data "nsw_cps.csv"

query ate = E[re78 | do(treat = 1)] - E[re78 | do(treat = 0)]
