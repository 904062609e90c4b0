model Dose {
    Dose ~ Uniform(0, 10)
    Safe := 2 < Dose < 8
}
