model Fever {
    Temperature ~ Normal(37, 0.8)
    Fever : bool ~ table(Temperature) {
        0 : [0.9, 0.1]
        1 : [0.2, 0.8]
    }
}
