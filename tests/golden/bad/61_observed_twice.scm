# One variable observed with two values: the evidence cannot hold.
model Clinic {
    smoke : {yes, no} ~ Categorical([0.5, 0.5])
    lung : {yes, no} ~ table(smoke) {
        yes : [0.1, 0.9]
        no : [0.01, 0.99]
    }
}

query P(lung = yes | smoke = yes, smoke = no)
