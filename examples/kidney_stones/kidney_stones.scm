# Kidney stones (Charig et al., 1986): the classic Simpson's paradox.
# Treatment A (open surgery) beats B (percutaneous nephrolithotomy) for small
# stones and for large stones, yet B looks better overall, because doctors gave
# A to the harder, large stones. Stone size confounds treatment and recovery,
# so P(Recovery | Treatment) and P(Recovery | do(Treatment)) disagree.
# Probabilities are the study's frequencies (700 patients).
model KidneyStones {
    Size : {small, large} ~ Categorical([0.51, 0.49])
    Treatment : {A, B} ~ table(Size) {
        small : [0.243697479, 0.756302521]
        large : [0.7667638484, 0.2332361516]
    }
    Recovery : bool ~ table(Treatment, Size) {
        A, small : [0.0689655172, 0.9310344828]
        A, large : [0.2699619772, 0.7300380228]
        B, small : [0.1333333333, 0.8666666667]
        B, large : [0.3125, 0.6875]
    }
}

# What the raw data say: B looks better.
query seen_A = P(Recovery = 1 | Treatment = A)
query seen_B = P(Recovery = 1 | Treatment = B)
# What each treatment does: A is better.
query do_A = P(Recovery = 1 | do(Treatment = A))
query do_B = P(Recovery = 1 | do(Treatment = B))
query ate = P(Recovery = 1 | do(Treatment = A)) - P(Recovery = 1 | do(Treatment = B))
