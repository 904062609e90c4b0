model Heights {
    Mother ~ Normal(mean=165, sd=7)
}
