model Heights {
    Mother ~ Normal(165, 7)
    Child ~ Normal(0.5 * Mother + 85)
}
