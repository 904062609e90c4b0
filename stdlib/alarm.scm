# ALARM: a patient-monitoring network for anaesthesia (37 variables, 46 arcs).
# Source: Beinlich, I. A., Suermondt, H. J., Chavez, R. M. and Cooper, G. F. (1989).
# The ALARM monitoring system: a case study with two probabilistic inference techniques
# for belief networks. Proc. 2nd European Conference on Artificial Intelligence in
# Medicine, 247-256.
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif alarm.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(BP | do(CO = LOW))
#     LOW 0.777972, NORMAL 0.185289, HIGH 0.036739
#   P(HRBP | do(CATECHOL = HIGH))
#     LOW 0.09843, NORMAL 0.060915, HIGH 0.840655
#   P(SAO2 | do(FIO2 = LOW), INTUBATION = NORMAL)
#     LOW 0.794403, NORMAL 0.187865, HIGH 0.017732

# alarm network, converted from its BIF file
model Alarm {
    HYPOVOLEMIA : {TRUE, FALSE} ~ Categorical([0.2, 0.8])
    LVFAILURE : {TRUE, FALSE} ~ Categorical([0.05, 0.95])
    HISTORY : {TRUE, FALSE} ~ table(LVFAILURE) {
        TRUE : [0.9, 0.1]
        FALSE : [0.01, 0.99]
    }
    LVEDVOLUME : {LOW, NORMAL, HIGH} ~ table(HYPOVOLEMIA, LVFAILURE) {
        TRUE, TRUE : [0.95, 0.04, 0.01]
        TRUE, FALSE : [0.01, 0.09, 0.9]
        FALSE, TRUE : [0.98, 0.01, 0.01]
        FALSE, FALSE : [0.05, 0.9, 0.05]
    }
    CVP : {LOW, NORMAL, HIGH} ~ table(LVEDVOLUME) {
        LOW : [0.95, 0.04, 0.01]
        NORMAL : [0.04, 0.95, 0.01]
        HIGH : [0.01, 0.29, 0.7]
    }
    PCWP : {LOW, NORMAL, HIGH} ~ table(LVEDVOLUME) {
        LOW : [0.95, 0.04, 0.01]
        NORMAL : [0.04, 0.95, 0.01]
        HIGH : [0.01, 0.04, 0.95]
    }
    STROKEVOLUME : {LOW, NORMAL, HIGH} ~ table(HYPOVOLEMIA, LVFAILURE) {
        TRUE, TRUE : [0.98, 0.01, 0.01]
        TRUE, FALSE : [0.5, 0.49, 0.01]
        FALSE, TRUE : [0.95, 0.04, 0.01]
        FALSE, FALSE : [0.05, 0.9, 0.05]
    }
    ERRLOWOUTPUT : {TRUE, FALSE} ~ Categorical([0.05, 0.95])
    ERRCAUTER : {TRUE, FALSE} ~ Categorical([0.1, 0.9])
    INSUFFANESTH : {TRUE, FALSE} ~ Categorical([0.1, 0.9])
    ANAPHYLAXIS : {TRUE, FALSE} ~ Categorical([0.01, 0.99])
    TPR : {LOW, NORMAL, HIGH} ~ table(ANAPHYLAXIS) {
        TRUE : [0.98, 0.01, 0.01]
        FALSE : [0.3, 0.4, 0.3]
    }
    KINKEDTUBE : {TRUE, FALSE} ~ Categorical([0.04, 0.96])
    FIO2 : {LOW, NORMAL} ~ Categorical([0.05, 0.95])
    PULMEMBOLUS : {TRUE, FALSE} ~ Categorical([0.01, 0.99])
    PAP : {LOW, NORMAL, HIGH} ~ table(PULMEMBOLUS) {
        TRUE : [0.01, 0.19, 0.8]
        FALSE : [0.05, 0.9, 0.05]
    }
    INTUBATION : {NORMAL, ESOPHAGEAL, ONESIDED} ~ Categorical([0.92, 0.03, 0.05])
    SHUNT : {NORMAL, HIGH} ~ table(INTUBATION, PULMEMBOLUS) {
        NORMAL, TRUE : [0.1, 0.9]
        NORMAL, FALSE : [0.95, 0.05]
        ESOPHAGEAL, TRUE : [0.1, 0.9]
        ESOPHAGEAL, FALSE : [0.95, 0.05]
        ONESIDED, TRUE : [0.01, 0.99]
        ONESIDED, FALSE : [0.05, 0.95]
    }
    DISCONNECT : {TRUE, FALSE} ~ Categorical([0.1, 0.9])
    MINVOLSET : {LOW, NORMAL, HIGH} ~ Categorical([0.05, 0.9, 0.05])
    VENTMACH : {ZERO, LOW, NORMAL, HIGH} ~ table(MINVOLSET) {
        LOW : [0.05, 0.93, 0.01, 0.01]
        NORMAL : [0.05, 0.01, 0.93, 0.01]
        HIGH : [0.05, 0.01, 0.01, 0.93]
    }
    VENTTUBE : {ZERO, LOW, NORMAL, HIGH} ~ table(DISCONNECT, VENTMACH) {
        TRUE, ZERO : [0.97, 0.01, 0.01, 0.01]
        TRUE, LOW : [0.97, 0.01, 0.01, 0.01]
        TRUE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        TRUE, HIGH : [0.01, 0.01, 0.97, 0.01]
        FALSE, ZERO : [0.97, 0.01, 0.01, 0.01]
        FALSE, LOW : [0.97, 0.01, 0.01, 0.01]
        FALSE, NORMAL : [0.01, 0.97, 0.01, 0.01]
        FALSE, HIGH : [0.01, 0.01, 0.01, 0.97]
    }
    PRESS : {ZERO, LOW, NORMAL, HIGH} ~ table(INTUBATION, KINKEDTUBE, VENTTUBE) {
        NORMAL, TRUE, ZERO : [0.97, 0.01, 0.01, 0.01]
        NORMAL, TRUE, LOW : [0.05, 0.25, 0.25, 0.45]
        NORMAL, TRUE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        NORMAL, TRUE, HIGH : [0.2, 0.75, 0.04, 0.01]
        NORMAL, FALSE, ZERO : [0.01, 0.01, 0.01, 0.97]
        NORMAL, FALSE, LOW : [0.01, 0.29, 0.3, 0.4]
        NORMAL, FALSE, NORMAL : [0.01, 0.01, 0.01, 0.97]
        NORMAL, FALSE, HIGH : [0.01, 0.9, 0.08, 0.01]
        ESOPHAGEAL, TRUE, ZERO : [0.01, 0.3, 0.49, 0.2]
        ESOPHAGEAL, TRUE, LOW : [0.01, 0.15, 0.25, 0.59]
        ESOPHAGEAL, TRUE, NORMAL : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, TRUE, HIGH : [0.2, 0.7, 0.09, 0.01]
        ESOPHAGEAL, FALSE, ZERO : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, FALSE, LOW : [0.01, 0.01, 0.08, 0.9]
        ESOPHAGEAL, FALSE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, FALSE, HIGH : [0.01, 0.01, 0.38, 0.6]
        ONESIDED, TRUE, ZERO : [0.01, 0.01, 0.08, 0.9]
        ONESIDED, TRUE, LOW : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, TRUE, NORMAL : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, TRUE, HIGH : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, FALSE, ZERO : [0.1, 0.84, 0.05, 0.01]
        ONESIDED, FALSE, LOW : [0.01, 0.01, 0.01, 0.97]
        ONESIDED, FALSE, NORMAL : [0.4, 0.58, 0.01, 0.01]
        ONESIDED, FALSE, HIGH : [0.01, 0.01, 0.01, 0.97]
    }
    VENTLUNG : {ZERO, LOW, NORMAL, HIGH} ~ table(INTUBATION, KINKEDTUBE, VENTTUBE) {
        NORMAL, TRUE, ZERO : [0.97, 0.01, 0.01, 0.01]
        NORMAL, TRUE, LOW : [0.97, 0.01, 0.01, 0.01]
        NORMAL, TRUE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        NORMAL, TRUE, HIGH : [0.97, 0.01, 0.01, 0.01]
        NORMAL, FALSE, ZERO : [0.3, 0.68, 0.01, 0.01]
        NORMAL, FALSE, LOW : [0.95, 0.03, 0.01, 0.01]
        NORMAL, FALSE, NORMAL : [0.01, 0.01, 0.01, 0.97]
        NORMAL, FALSE, HIGH : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, TRUE, ZERO : [0.95, 0.03, 0.01, 0.01]
        ESOPHAGEAL, TRUE, LOW : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, TRUE, NORMAL : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, TRUE, HIGH : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, FALSE, ZERO : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, FALSE, LOW : [0.5, 0.48, 0.01, 0.01]
        ESOPHAGEAL, FALSE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, FALSE, HIGH : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, TRUE, ZERO : [0.4, 0.58, 0.01, 0.01]
        ONESIDED, TRUE, LOW : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, TRUE, NORMAL : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, TRUE, HIGH : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, FALSE, ZERO : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, FALSE, LOW : [0.3, 0.68, 0.01, 0.01]
        ONESIDED, FALSE, NORMAL : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, FALSE, HIGH : [0.01, 0.01, 0.01, 0.97]
    }
    MINVOL : {ZERO, LOW, NORMAL, HIGH} ~ table(INTUBATION, VENTLUNG) {
        NORMAL, ZERO : [0.97, 0.01, 0.01, 0.01]
        NORMAL, LOW : [0.01, 0.01, 0.01, 0.97]
        NORMAL, NORMAL : [0.5, 0.48, 0.01, 0.01]
        NORMAL, HIGH : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, ZERO : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, LOW : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, NORMAL : [0.5, 0.48, 0.01, 0.01]
        ESOPHAGEAL, HIGH : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, ZERO : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, LOW : [0.6, 0.38, 0.01, 0.01]
        ONESIDED, NORMAL : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, HIGH : [0.01, 0.01, 0.01, 0.97]
    }
    VENTALV : {ZERO, LOW, NORMAL, HIGH} ~ table(INTUBATION, VENTLUNG) {
        NORMAL, ZERO : [0.97, 0.01, 0.01, 0.01]
        NORMAL, LOW : [0.01, 0.01, 0.01, 0.97]
        NORMAL, NORMAL : [0.01, 0.01, 0.97, 0.01]
        NORMAL, HIGH : [0.03, 0.95, 0.01, 0.01]
        ESOPHAGEAL, ZERO : [0.01, 0.97, 0.01, 0.01]
        ESOPHAGEAL, LOW : [0.97, 0.01, 0.01, 0.01]
        ESOPHAGEAL, NORMAL : [0.01, 0.01, 0.01, 0.97]
        ESOPHAGEAL, HIGH : [0.01, 0.94, 0.04, 0.01]
        ONESIDED, ZERO : [0.01, 0.01, 0.97, 0.01]
        ONESIDED, LOW : [0.01, 0.97, 0.01, 0.01]
        ONESIDED, NORMAL : [0.97, 0.01, 0.01, 0.01]
        ONESIDED, HIGH : [0.01, 0.88, 0.1, 0.01]
    }
    PVSAT : {LOW, NORMAL, HIGH} ~ table(FIO2, VENTALV) {
        LOW, ZERO : [1.0, 0.0, 0.0]
        LOW, LOW : [0.95, 0.04, 0.01]
        LOW, NORMAL : [1.0, 0.0, 0.0]
        LOW, HIGH : [0.01, 0.95, 0.04]
        NORMAL, ZERO : [0.99, 0.01, 0.0]
        NORMAL, LOW : [0.95, 0.04, 0.01]
        NORMAL, NORMAL : [0.95, 0.04, 0.01]
        NORMAL, HIGH : [0.01, 0.01, 0.98]
    }
    SAO2 : {LOW, NORMAL, HIGH} ~ table(PVSAT, SHUNT) {
        LOW, NORMAL : [0.98, 0.01, 0.01]
        LOW, HIGH : [0.98, 0.01, 0.01]
        NORMAL, NORMAL : [0.01, 0.98, 0.01]
        NORMAL, HIGH : [0.98, 0.01, 0.01]
        HIGH, NORMAL : [0.01, 0.01, 0.98]
        HIGH, HIGH : [0.69, 0.3, 0.01]
    }
    ARTCO2 : {LOW, NORMAL, HIGH} ~ table(VENTALV) {
        ZERO : [0.01, 0.01, 0.98]
        LOW : [0.01, 0.01, 0.98]
        NORMAL : [0.04, 0.92, 0.04]
        HIGH : [0.9, 0.09, 0.01]
    }
    EXPCO2 : {ZERO, LOW, NORMAL, HIGH} ~ table(ARTCO2, VENTLUNG) {
        LOW, ZERO : [0.97, 0.01, 0.01, 0.01]
        LOW, LOW : [0.01, 0.97, 0.01, 0.01]
        LOW, NORMAL : [0.01, 0.01, 0.97, 0.01]
        LOW, HIGH : [0.01, 0.01, 0.01, 0.97]
        NORMAL, ZERO : [0.01, 0.97, 0.01, 0.01]
        NORMAL, LOW : [0.97, 0.01, 0.01, 0.01]
        NORMAL, NORMAL : [0.01, 0.01, 0.97, 0.01]
        NORMAL, HIGH : [0.01, 0.01, 0.01, 0.97]
        HIGH, ZERO : [0.01, 0.97, 0.01, 0.01]
        HIGH, LOW : [0.01, 0.01, 0.97, 0.01]
        HIGH, NORMAL : [0.97, 0.01, 0.01, 0.01]
        HIGH, HIGH : [0.01, 0.01, 0.01, 0.97]
    }
    CATECHOL : {NORMAL, HIGH} ~ table(ARTCO2, INSUFFANESTH, SAO2, TPR) {
        LOW, TRUE, LOW, LOW : [0.01, 0.99]
        LOW, TRUE, LOW, NORMAL : [0.01, 0.99]
        LOW, TRUE, LOW, HIGH : [0.7, 0.3]
        LOW, TRUE, NORMAL, LOW : [0.01, 0.99]
        LOW, TRUE, NORMAL, NORMAL : [0.05, 0.95]
        LOW, TRUE, NORMAL, HIGH : [0.7, 0.3]
        LOW, TRUE, HIGH, LOW : [0.01, 0.99]
        LOW, TRUE, HIGH, NORMAL : [0.05, 0.95]
        LOW, TRUE, HIGH, HIGH : [0.95, 0.05]
        LOW, FALSE, LOW, LOW : [0.01, 0.99]
        LOW, FALSE, LOW, NORMAL : [0.05, 0.95]
        LOW, FALSE, LOW, HIGH : [0.7, 0.3]
        LOW, FALSE, NORMAL, LOW : [0.01, 0.99]
        LOW, FALSE, NORMAL, NORMAL : [0.05, 0.95]
        LOW, FALSE, NORMAL, HIGH : [0.95, 0.05]
        LOW, FALSE, HIGH, LOW : [0.05, 0.95]
        LOW, FALSE, HIGH, NORMAL : [0.05, 0.95]
        LOW, FALSE, HIGH, HIGH : [0.95, 0.05]
        NORMAL, TRUE, LOW, LOW : [0.01, 0.99]
        NORMAL, TRUE, LOW, NORMAL : [0.01, 0.99]
        NORMAL, TRUE, LOW, HIGH : [0.7, 0.3]
        NORMAL, TRUE, NORMAL, LOW : [0.01, 0.99]
        NORMAL, TRUE, NORMAL, NORMAL : [0.05, 0.95]
        NORMAL, TRUE, NORMAL, HIGH : [0.7, 0.3]
        NORMAL, TRUE, HIGH, LOW : [0.01, 0.99]
        NORMAL, TRUE, HIGH, NORMAL : [0.05, 0.95]
        NORMAL, TRUE, HIGH, HIGH : [0.99, 0.01]
        NORMAL, FALSE, LOW, LOW : [0.01, 0.99]
        NORMAL, FALSE, LOW, NORMAL : [0.05, 0.95]
        NORMAL, FALSE, LOW, HIGH : [0.7, 0.3]
        NORMAL, FALSE, NORMAL, LOW : [0.01, 0.99]
        NORMAL, FALSE, NORMAL, NORMAL : [0.05, 0.95]
        NORMAL, FALSE, NORMAL, HIGH : [0.99, 0.01]
        NORMAL, FALSE, HIGH, LOW : [0.05, 0.95]
        NORMAL, FALSE, HIGH, NORMAL : [0.05, 0.95]
        NORMAL, FALSE, HIGH, HIGH : [0.99, 0.01]
        HIGH, TRUE, LOW, LOW : [0.01, 0.99]
        HIGH, TRUE, LOW, NORMAL : [0.01, 0.99]
        HIGH, TRUE, LOW, HIGH : [0.1, 0.9]
        HIGH, TRUE, NORMAL, LOW : [0.01, 0.99]
        HIGH, TRUE, NORMAL, NORMAL : [0.01, 0.99]
        HIGH, TRUE, NORMAL, HIGH : [0.1, 0.9]
        HIGH, TRUE, HIGH, LOW : [0.01, 0.99]
        HIGH, TRUE, HIGH, NORMAL : [0.01, 0.99]
        HIGH, TRUE, HIGH, HIGH : [0.3, 0.7]
        HIGH, FALSE, LOW, LOW : [0.01, 0.99]
        HIGH, FALSE, LOW, NORMAL : [0.01, 0.99]
        HIGH, FALSE, LOW, HIGH : [0.1, 0.9]
        HIGH, FALSE, NORMAL, LOW : [0.01, 0.99]
        HIGH, FALSE, NORMAL, NORMAL : [0.01, 0.99]
        HIGH, FALSE, NORMAL, HIGH : [0.3, 0.7]
        HIGH, FALSE, HIGH, LOW : [0.01, 0.99]
        HIGH, FALSE, HIGH, NORMAL : [0.01, 0.99]
        HIGH, FALSE, HIGH, HIGH : [0.3, 0.7]
    }
    HR : {LOW, NORMAL, HIGH} ~ table(CATECHOL) {
        NORMAL : [0.05, 0.9, 0.05]
        HIGH : [0.01, 0.09, 0.9]
    }
    HRBP : {LOW, NORMAL, HIGH} ~ table(ERRLOWOUTPUT, HR) {
        TRUE, LOW : [0.98, 0.01, 0.01]
        TRUE, NORMAL : [0.3, 0.4, 0.3]
        TRUE, HIGH : [0.01, 0.98, 0.01]
        FALSE, LOW : [0.4, 0.59, 0.01]
        FALSE, NORMAL : [0.98, 0.01, 0.01]
        FALSE, HIGH : [0.01, 0.01, 0.98]
    }
    HREKG : {LOW, NORMAL, HIGH} ~ table(ERRCAUTER, HR) {
        TRUE, LOW : [0.3333333, 0.3333333, 0.3333333]
        TRUE, NORMAL : [0.3333333, 0.3333333, 0.3333333]
        TRUE, HIGH : [0.01, 0.98, 0.01]
        FALSE, LOW : [0.3333333, 0.3333333, 0.3333333]
        FALSE, NORMAL : [0.98, 0.01, 0.01]
        FALSE, HIGH : [0.01, 0.01, 0.98]
    }
    HRSAT : {LOW, NORMAL, HIGH} ~ table(ERRCAUTER, HR) {
        TRUE, LOW : [0.3333333, 0.3333333, 0.3333333]
        TRUE, NORMAL : [0.3333333, 0.3333333, 0.3333333]
        TRUE, HIGH : [0.01, 0.98, 0.01]
        FALSE, LOW : [0.3333333, 0.3333333, 0.3333333]
        FALSE, NORMAL : [0.98, 0.01, 0.01]
        FALSE, HIGH : [0.01, 0.01, 0.98]
    }
    CO : {LOW, NORMAL, HIGH} ~ table(HR, STROKEVOLUME) {
        LOW, LOW : [0.98, 0.01, 0.01]
        LOW, NORMAL : [0.95, 0.04, 0.01]
        LOW, HIGH : [0.3, 0.69, 0.01]
        NORMAL, LOW : [0.95, 0.04, 0.01]
        NORMAL, NORMAL : [0.04, 0.95, 0.01]
        NORMAL, HIGH : [0.01, 0.3, 0.69]
        HIGH, LOW : [0.8, 0.19, 0.01]
        HIGH, NORMAL : [0.01, 0.04, 0.95]
        HIGH, HIGH : [0.01, 0.01, 0.98]
    }
    BP : {LOW, NORMAL, HIGH} ~ table(CO, TPR) {
        LOW, LOW : [0.98, 0.01, 0.01]
        LOW, NORMAL : [0.98, 0.01, 0.01]
        LOW, HIGH : [0.3, 0.6, 0.1]
        NORMAL, LOW : [0.98, 0.01, 0.01]
        NORMAL, NORMAL : [0.1, 0.85, 0.05]
        NORMAL, HIGH : [0.05, 0.4, 0.55]
        HIGH, LOW : [0.9, 0.09, 0.01]
        HIGH, NORMAL : [0.05, 0.2, 0.75]
        HIGH, HIGH : [0.01, 0.09, 0.9]
    }
}

query P(BP | do(CO = LOW))
query P(HRBP | do(CATECHOL = HIGH))
query P(SAO2 | do(FIO2 = LOW), INTUBATION = NORMAL)
