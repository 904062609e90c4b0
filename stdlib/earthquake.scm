# Earthquake: Pearl's burglar alarm. A burglary or an earthquake sets off the
# alarm; John and Mary may call. Seeing the alarm raises the belief in a burglary, setting
# it by hand does not: compare the last two queries.
# Source: Korb, K. B. and Nicholson, A. E. (2010). Bayesian Artificial Intelligence,
# 2nd edition. Chapman & Hall/CRC (after Pearl, J. (1988). Probabilistic Reasoning in
# Intelligent Systems. Morgan Kaufmann).
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif earthquake.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(JohnCalls | do(Burglary = True))
#     True 0.84917, False 0.15083
#   P(Burglary | do(Alarm = True))
#     True 0.01, False 0.99
#   P(Burglary | Alarm = True)
#     True 0.583461, False 0.416539

# earthquake network, converted from its BIF file
model Earthquake {
    Burglary : {True, False} ~ Categorical([0.01, 0.99])
    Earthquake : {True, False} ~ Categorical([0.02, 0.98])
    Alarm : {True, False} ~ table(Burglary, Earthquake) {
        True, True : [0.95, 0.05]
        True, False : [0.94, 0.06]
        False, True : [0.29, 0.71]
        False, False : [0.001, 0.999]
    }
    JohnCalls : {True, False} ~ table(Alarm) {
        True : [0.9, 0.1]
        False : [0.05, 0.95]
    }
    MaryCalls : {True, False} ~ table(Alarm) {
        True : [0.7, 0.3]
        False : [0.01, 0.99]
    }
}

query P(JohnCalls | do(Burglary = True))
query P(Burglary | do(Alarm = True))
query P(Burglary | Alarm = True)
