model Heights {
    Mother ~ Normal(average=165, spread=7)
}
