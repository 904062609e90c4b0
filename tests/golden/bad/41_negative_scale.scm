model Heights {
    Mother ~ Normal(165, -7)
}
