# Doses written as decimal numbers in a levels type: labels are names or integers.
model Trial {
    dose : {0.5, 1, 2} ~ Categorical([0.3, 0.3, 0.4])
    cured : bool ~ Bernoulli(if dose == 2 then 0.8 else 0.4)
}

query P(cured = 1 | do(dose = 0.5))
