model Smoking {
    Smoker : bool ~ Normal(0, 1)
    Cancer : bool <- Smoker
}
