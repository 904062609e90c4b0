# Price, demand and supply feed each other: not a DAG.
model Market {
    Price ~ Normal(Supply, 1)
    Demand ~ Normal(-Price, 1)
    Supply ~ Normal(Demand, 1)
}
