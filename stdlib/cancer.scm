# Cancer: a small network for lung cancer given pollution and smoking, with an
# X-ray result and shortness of breath (dyspnoea) as symptoms.
# Source: Korb, K. B. and Nicholson, A. E. (2010). Bayesian Artificial Intelligence,
# 2nd edition. Chapman & Hall/CRC.
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif cancer.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(Dyspnoea | do(Smoker = True))
#     True 0.3112, False 0.6888
#   P(Cancer | do(Pollution = high))
#     True 0.029, False 0.971
#   P(Xray | do(Smoker = True), Pollution = low)
#     positive 0.221, negative 0.779

# cancer network, converted from its BIF file
model Cancer {
    Pollution : {low, high} ~ Categorical([0.9, 0.1])
    Smoker : {True, False} ~ Categorical([0.3, 0.7])
    Cancer : {True, False} ~ table(Pollution, Smoker) {
        low, True : [0.03, 0.97]
        low, False : [0.001, 0.999]
        high, True : [0.05, 0.95]
        high, False : [0.02, 0.98]
    }
    Xray : {positive, negative} ~ table(Cancer) {
        True : [0.9, 0.1]
        False : [0.2, 0.8]
    }
    Dyspnoea : {True, False} ~ table(Cancer) {
        True : [0.65, 0.35]
        False : [0.3, 0.7]
    }
}

query P(Dyspnoea | do(Smoker = True))
query P(Cancer | do(Pollution = high))
query P(Xray | do(Smoker = True), Pollution = low)
