# CHILD: diagnosis of congenital heart disease in newborn ("blue") babies.
# Source: Spiegelhalter, D. J., Dawid, A. P., Lauritzen, S. L. and Cowell, R. G. (1993).
# Bayesian analysis in expert systems. Statistical Science 8(3), 219-247.
# BIF level names that are not identifiers were sanitized (see the comments in the
# model): '<5' is _5, '5-12' is L5_12, '12+' is L12_, and so on.
#
# From the bnlearn Bayesian network repository (https://www.bnlearn.com/bnrepository/),
# converted with `causalppl import-bif child.bif.gz`; the model block below
# is the converter's output, unchanged.
#
# Interesting queries, with exact answers (pgmpy 1.1.2, 6 decimals):
#   P(LowerBodyO2 | do(Disease = TGA))
#     _5 0.434889, L5_12 0.445134, L12_ 0.119978
#   P(RUQO2 | do(CardiacMixing = Complete))
#     _5 0.330469, L5_12 0.521795, L12_ 0.147736
#   P(Disease | do(Sick = yes), Grunting = yes)
#     PFC 0.056881, TGA 0.298808, Fallot 0.261366,
#     PAIVS 0.202959, TAPVD 0.076136, Lung 0.10385

# child network, converted from its BIF file
model Child {
    BirthAsphyxia : {yes, no} ~ Categorical([0.1, 0.9])
    Disease : {PFC, TGA, Fallot, PAIVS, TAPVD, Lung} ~ table(BirthAsphyxia) {
        yes : [0.2, 0.3, 0.25, 0.15, 0.05, 0.05]
        no : [0.03061224, 0.33673469, 0.29591837, 0.23469388, 0.05102041, 0.05102041]
    }
    LVH : {yes, no} ~ table(Disease) {
        PFC : [0.1, 0.9]
        TGA : [0.1, 0.9]
        Fallot : [0.1, 0.9]
        PAIVS : [0.9, 0.1]
        TAPVD : [0.05, 0.95]
        Lung : [0.1, 0.9]
    }
    LVHreport : {yes, no} ~ table(LVH) {
        yes : [0.9, 0.1]
        no : [0.05, 0.95]
    }
    DuctFlow : {Lt_to_Rt, None, Rt_to_Lt} ~ table(Disease) {
        PFC : [0.15, 0.05, 0.8]
        TGA : [0.1, 0.8, 0.1]
        Fallot : [0.8, 0.2, 0.0]
        PAIVS : [1.0, 0.0, 0.0]
        TAPVD : [0.33, 0.33, 0.34]
        Lung : [0.2, 0.4, 0.4]
    }
    # levels of CardiacMixing: Transp_ = 'Transp.'
    CardiacMixing : {None, Mild, Complete, Transp_} ~ table(Disease) {
        PFC : [0.4, 0.43, 0.15, 0.02]
        TGA : [0.02, 0.09, 0.09, 0.8]
        Fallot : [0.02, 0.16, 0.8, 0.02]
        PAIVS : [0.01, 0.02, 0.95, 0.02]
        TAPVD : [0.01, 0.03, 0.95, 0.01]
        Lung : [0.4, 0.53, 0.05, 0.02]
    }
    HypDistrib : {Equal, Unequal} ~ table(DuctFlow, CardiacMixing) {
        Lt_to_Rt, None : [0.95, 0.05]
        Lt_to_Rt, Mild : [0.95, 0.05]
        Lt_to_Rt, Complete : [0.95, 0.05]
        Lt_to_Rt, Transp_ : [0.95, 0.05]
        None, None : [0.95, 0.05]
        None, Mild : [0.95, 0.05]
        None, Complete : [0.95, 0.05]
        None, Transp_ : [0.95, 0.05]
        Rt_to_Lt, None : [0.05, 0.95]
        Rt_to_Lt, Mild : [0.5, 0.5]
        Rt_to_Lt, Complete : [0.95, 0.05]
        Rt_to_Lt, Transp_ : [0.5, 0.5]
    }
    LungParench : {Normal, Congested, Abnormal} ~ table(Disease) {
        PFC : [0.6, 0.1, 0.3]
        TGA : [0.8, 0.05, 0.15]
        Fallot : [0.8, 0.05, 0.15]
        PAIVS : [0.8, 0.05, 0.15]
        TAPVD : [0.1, 0.6, 0.3]
        Lung : [0.03, 0.25, 0.72]
    }
    HypoxiaInO2 : {Mild, Moderate, Severe} ~ table(CardiacMixing, LungParench) {
        None, Normal : [0.93, 0.05, 0.02]
        None, Congested : [0.15, 0.8, 0.05]
        None, Abnormal : [0.7, 0.2, 0.1]
        Mild, Normal : [0.1, 0.8, 0.1]
        Mild, Congested : [0.1, 0.75, 0.15]
        Mild, Abnormal : [0.1, 0.65, 0.25]
        Complete, Normal : [0.1, 0.7, 0.2]
        Complete, Congested : [0.05, 0.65, 0.3]
        Complete, Abnormal : [0.1, 0.5, 0.4]
        Transp_, Normal : [0.02, 0.18, 0.8]
        Transp_, Congested : [0.1, 0.3, 0.6]
        Transp_, Abnormal : [0.02, 0.18, 0.8]
    }
    CO2 : {Normal, Low, High} ~ table(LungParench) {
        Normal : [0.8, 0.1, 0.1]
        Congested : [0.65, 0.05, 0.3]
        Abnormal : [0.45, 0.05, 0.5]
    }
    # levels of LowerBodyO2: _5 = '<5', L5_12 = '5-12', L12_ = '12+'
    LowerBodyO2 : {_5, L5_12, L12_} ~ table(HypDistrib, HypoxiaInO2) {
        Equal, Mild : [0.1, 0.3, 0.6]
        Equal, Moderate : [0.3, 0.6, 0.1]
        Equal, Severe : [0.5, 0.4, 0.1]
        Unequal, Mild : [0.4, 0.5, 0.1]
        Unequal, Moderate : [0.5, 0.45, 0.05]
        Unequal, Severe : [0.6, 0.35, 0.05]
    }
    # levels of RUQO2: _5 = '<5', L5_12 = '5-12', L12_ = '12+'
    RUQO2 : {_5, L5_12, L12_} ~ table(HypoxiaInO2) {
        Mild : [0.1, 0.3, 0.6]
        Moderate : [0.3, 0.6, 0.1]
        Severe : [0.5, 0.4, 0.1]
    }
    # levels of CO2Report: _7_5 = '<7.5', __7_5 = '>=7.5'
    CO2Report : {_7_5, __7_5} ~ table(CO2) {
        Normal : [0.9, 0.1]
        Low : [0.9, 0.1]
        High : [0.1, 0.9]
    }
    LungFlow : {Normal, Low, High} ~ table(Disease) {
        PFC : [0.3, 0.65, 0.05]
        TGA : [0.2, 0.05, 0.75]
        Fallot : [0.15, 0.8, 0.05]
        PAIVS : [0.1, 0.85, 0.05]
        TAPVD : [0.3, 0.1, 0.6]
        Lung : [0.7, 0.1, 0.2]
    }
    # levels of ChestXray: Asy_Patch = 'Asy/Patch'
    ChestXray : {Normal, Oligaemic, Plethoric, Grd_Glass, Asy_Patch} ~ table(LungParench, LungFlow) {
        Normal, Normal : [0.9, 0.03, 0.03, 0.01, 0.03]
        Normal, Low : [0.14, 0.8, 0.02, 0.02, 0.02]
        Normal, High : [0.15, 0.01, 0.79, 0.04, 0.01]
        Congested, Normal : [0.05, 0.02, 0.15, 0.7, 0.08]
        Congested, Low : [0.05, 0.22, 0.08, 0.5, 0.15]
        Congested, High : [0.05, 0.02, 0.4, 0.4, 0.13]
        Abnormal, Normal : [0.05, 0.05, 0.05, 0.05, 0.8]
        Abnormal, Low : [0.05, 0.15, 0.05, 0.05, 0.7]
        Abnormal, High : [0.24, 0.33, 0.03, 0.34, 0.06]
    }
    # levels of XrayReport: Asy_Patchy = 'Asy/Patchy'
    XrayReport : {Normal, Oligaemic, Plethoric, Grd_Glass, Asy_Patchy} ~ table(ChestXray) {
        Normal : [0.8, 0.06, 0.06, 0.02, 0.06]
        Oligaemic : [0.1, 0.8, 0.02, 0.02, 0.06]
        Plethoric : [0.1, 0.02, 0.8, 0.02, 0.06]
        Grd_Glass : [0.08, 0.02, 0.1, 0.6, 0.2]
        Asy_Patch : [0.08, 0.02, 0.1, 0.1, 0.7]
    }
    Sick : {yes, no} ~ table(Disease) {
        PFC : [0.4, 0.6]
        TGA : [0.3, 0.7]
        Fallot : [0.2, 0.8]
        PAIVS : [0.3, 0.7]
        TAPVD : [0.7, 0.3]
        Lung : [0.7, 0.3]
    }
    Grunting : {yes, no} ~ table(LungParench, Sick) {
        Normal, yes : [0.2, 0.8]
        Normal, no : [0.05, 0.95]
        Congested, yes : [0.4, 0.6]
        Congested, no : [0.2, 0.8]
        Abnormal, yes : [0.8, 0.2]
        Abnormal, no : [0.6, 0.4]
    }
    GruntingReport : {yes, no} ~ table(Grunting) {
        yes : [0.8, 0.2]
        no : [0.1, 0.9]
    }
    # levels of Age: L0_3_days = '0-3_days', L4_10_days = '4-10_days', L11_30_days = '11-30_days'
    Age : {L0_3_days, L4_10_days, L11_30_days} ~ table(Disease, Sick) {
        PFC, yes : [0.95, 0.03, 0.02]
        PFC, no : [0.85, 0.1, 0.05]
        TGA, yes : [0.8, 0.15, 0.05]
        TGA, no : [0.7, 0.2, 0.1]
        Fallot, yes : [0.7, 0.15, 0.15]
        Fallot, no : [0.25, 0.25, 0.5]
        PAIVS, yes : [0.8, 0.15, 0.05]
        PAIVS, no : [0.8, 0.15, 0.05]
        TAPVD, yes : [0.8, 0.15, 0.05]
        TAPVD, no : [0.7, 0.2, 0.1]
        Lung, yes : [0.9, 0.08, 0.02]
        Lung, no : [0.8, 0.15, 0.05]
    }
}

query P(LowerBodyO2 | do(Disease = TGA))
query P(RUQO2 | do(CardiacMixing = Complete))
query P(Disease | do(Sick = yes), Grunting = yes)
