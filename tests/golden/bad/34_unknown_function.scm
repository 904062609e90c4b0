model Growth {
    Time ~ Uniform(0, 10)
    Size := expo(0.3 * Time)
}
