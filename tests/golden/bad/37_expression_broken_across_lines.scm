model Wages {
    Education ~ Normal(12, 2)
    Wage := 10 +
        2 * Education
}
