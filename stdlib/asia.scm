# Asia ("chest clinic"): a toy diagnosis network for tuberculosis, lung cancer and
# bronchitis given a visit to Asia, smoking, an X-ray and shortness of breath (dyspnoea).
# Source: Lauritzen, S. L. and Spiegelhalter, D. J. (1988). Local computations with
# probabilities on graphical structures and their application to expert systems.
# J. Royal Statistical Society B 50(2), 157-224.
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif asia.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(dysp | do(smoke = yes))
#     yes 0.552808, no 0.447192
#   P(lung | do(smoke = no))
#     yes 0.01, no 0.99
#   P(xray | do(smoke = yes))
#     yes 0.151705, no 0.848295

# asia network, converted from its BIF file
model Asia {
    asia : {yes, no} ~ Categorical([0.01, 0.99])
    tub : {yes, no} ~ table(asia) {
        yes : [0.05, 0.95]
        no : [0.01, 0.99]
    }
    smoke : {yes, no} ~ Categorical([0.5, 0.5])
    lung : {yes, no} ~ table(smoke) {
        yes : [0.1, 0.9]
        no : [0.01, 0.99]
    }
    bronc : {yes, no} ~ table(smoke) {
        yes : [0.6, 0.4]
        no : [0.3, 0.7]
    }
    either : {yes, no} ~ table(lung, tub) {
        yes, yes : [1.0, 0.0]
        yes, no : [1.0, 0.0]
        no, yes : [1.0, 0.0]
        no, no : [0.0, 1.0]
    }
    xray : {yes, no} ~ table(either) {
        yes : [0.98, 0.02]
        no : [0.05, 0.95]
    }
    dysp : {yes, no} ~ table(bronc, either) {
        yes, yes : [0.9, 0.1]
        yes, no : [0.8, 0.2]
        no, yes : [0.7, 0.3]
        no, no : [0.1, 0.9]
    }
}

query P(dysp | do(smoke = yes))
query P(lung | do(smoke = no))
query P(xray | do(smoke = yes))
