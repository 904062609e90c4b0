model Smoking {
    Smoker : bool
    Cancer : bool <- Smoker
}

query P(Cancer = 1 | Smoker)
