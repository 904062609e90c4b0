model Wages {
    Education ~ Normal(12, 2)
    Ability ~ Normal(0, 1)
    Education ~ Normal(12 + Ability, 2)
    Wage ~ Normal(10 + Education, 3)
}
