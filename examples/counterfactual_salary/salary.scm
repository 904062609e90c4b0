# Individual counterfactuals in a linear structural model (all units in thousands).
# Education (years beyond high school) raises skill, and both raise salary.
# Alice has 4 years of education, skill 7.2 and a salary of 81. What would her
# salary have been with no further education? Abduction pins her own noise
# terms (U_Skill, U_Salary) from what we observed about her, so the answer has
# no spread; the population effect of the same change is a different number.
model Salary {
    param skill_per_year = 0.8
    param pay_per_skill = 6
    param pay_per_year = 2.5
    Education ~ Normal(2, 1.5)
    Skill ~ Normal(4 + skill_per_year * Education, 1)
    Salary ~ Normal(30 + pay_per_skill * Skill + pay_per_year * Education, 5)
}

# Alice's salary had she not studied further (closed form: 81 - 4 * (2.5 + 6 * 0.8) = 51.8).
query alice = E[Salary[Education = 0] | Education = 4, Skill = 7.2, Salary = 81]
# Had she studied, but her skill stayed where it was: the direct path only (81 - 4 * 2.5 = 71).
query alice_direct = E[Salary[Education = 0, Skill = Skill[Education = 4]] | Education = 4, Skill = 7.2, Salary = 81]
# Knowing only her salary leaves uncertainty about her noise: the exact Gaussian posterior.
query salary_only = E[Salary[Education = 0] | Salary = 81]
# The average effect of four years of education in the population: 4 * (2.5 + 6 * 0.8) = 29.2.
query ate = E[Salary | do(Education = 4)] - E[Salary | do(Education = 0)]
