model Trial {
    Assigned : bool
    Received : bool <- Assigned
    Outcome : bool <- Received
}

data "trial.csv"
data "rct.csv" under do(Recieved)
