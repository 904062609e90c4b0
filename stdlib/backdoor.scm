# Back-door adjustment and Simpson's paradox: the kidney-stone study.
#
# 700 patients with kidney stones got open surgery (treatment A) or percutaneous
# nephrolithotomy (treatment B). Stone size confounds the comparison: large
# stones are harder to treat and were more often given A. Within each stone size
# A succeeds more often (small 81/87 vs 234/270, large 192/263 vs 55/80), but
# overall B looks better (289/350 vs 273/350). Adjusting for Size, the back-door
# set, gives the causal answer.
#
# Source: Charig, C. R., Webb, D. R., Payne, S. R. and Wickham, J. E. A. (1986).
# Comparison of treatment of renal calculi by open surgery, percutaneous
# nephrolithotomy, and extracorporeal shockwave lithotripsy. BMJ 292, 879-882.
# The numbers below are the counts of that study (343 of 700 stones were large;
# the treatment shares are rounded to 6 decimals).
#
# Interesting queries (exact):
#   observed = E[Success | Treatment = A] - E[Success | Treatment = B]   = -0.045714
#   ate      = E[Success | do(Treatment = A)] - E[Success | do(Treatment = B)]
#            = 0.832546 - 0.778875 = +0.053671
#   P(Success = 1 | do(Treatment = A), Size = large) = 192/263 = 0.730038
#   identify P(Success = 1 | do(Treatment = A)): adjustment for Size, 0.832546
# `observed` and `ate` disagree in sign: that is Simpson's paradox.
model KidneyStones {
    Size : {small, large} ~ Categorical([0.51, 0.49])
    Treatment : {A, B} ~ table(Size) {
        small : [0.243697, 0.756303]
        large : [0.766764, 0.233236]
    }
    Success ~ Bernoulli(if Treatment == A
                        then (if Size == small then 81 / 87 else 192 / 263)
                        else (if Size == small then 234 / 270 else 55 / 80))
}

query observed = E[Success | Treatment = A] - E[Success | Treatment = B]
query ate = E[Success | do(Treatment = A)] - E[Success | do(Treatment = B)]
query P(Success = 1 | do(Treatment = A), Size = large)
query identify P(Success = 1 | do(Treatment = A))
