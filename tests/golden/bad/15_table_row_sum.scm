model Alarm {
    Burglary : bool
    Alarm : bool ~ table(Burglary) {
        0 : [0.99, 0.10]
        1 : [0.05, 0.95]
    }
}
