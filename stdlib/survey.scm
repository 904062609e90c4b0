# Survey: a survey on the usage of different means of transport: Age, Sex,
# Education, Occupation, Residence (city size) and Travel.
# Source: Scutari, M. and Denis, J.-B. (2014). Bayesian Networks with Examples in R.
# Chapman & Hall/CRC.
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif survey.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(T | do(E = high))
#     car 0.5594, train 0.2835, other 0.1571
#   P(T | do(E = uni), S = F)
#     car 0.56896, train 0.27312, other 0.15792
#   P(O | do(A = young))
#     emp 0.94824, self 0.05176

# survey network, converted from its BIF file
model Survey {
    A : {young, adult, old} ~ Categorical([0.3, 0.5, 0.2])
    S : {M, F} ~ Categorical([0.6, 0.4])
    E : {high, uni} ~ table(A, S) {
        young, M : [0.75, 0.25]
        young, F : [0.64, 0.36]
        adult, M : [0.72, 0.28]
        adult, F : [0.7, 0.3]
        old, M : [0.88, 0.12]
        old, F : [0.9, 0.1]
    }
    O : {emp, self} ~ table(E) {
        high : [0.96, 0.04]
        uni : [0.92, 0.08]
    }
    R : {small, big} ~ table(E) {
        high : [0.25, 0.75]
        uni : [0.2, 0.8]
    }
    T : {car, train, other} ~ table(O, R) {
        emp, small : [0.48, 0.42, 0.1]
        emp, big : [0.58, 0.24, 0.18]
        self, small : [0.56, 0.36, 0.08]
        self, big : [0.7, 0.21, 0.09]
    }
}

query P(T | do(E = high))
query P(T | do(E = uni), S = F)
query P(O | do(A = young))
