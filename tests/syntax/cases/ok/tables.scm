# Conditional probability tables: a root table, bool parents, level parents,
# integer levels and true/false row keys.
model Signalling {
    PKC : {LOW, AVG, HIGH} ~ table() {
        [0.4, 0.35, 0.25]
    }
    Raf : bool
    Mek : {LOW, AVG, HIGH} ~ table(Raf) {
        0 : [0.6, 0.3, 0.1]
        1 : [0.1, 0.3, 0.6]
    }
    PKA : {LOW, AVG, HIGH} ~ table(PKC) {
        LOW  : [0.2, 0.3, 0.5]
        AVG  : [0.3, 0.4, 0.3]
        HIGH : [0.5, 0.3, 0.2]
    }
    Erk : {LOW, AVG, HIGH} ~ table(Mek, PKA) {
        LOW,  LOW  : [0.10, 0.20, 0.70]
        LOW,  AVG  : [0.30, 0.30, 0.40]
        LOW,  HIGH : [0.50, 0.30, 0.20]
        AVG,  LOW  : [0.20, 0.30, 0.50]
        AVG,  AVG  : [0.25, 0.50, 0.25]
        AVG,  HIGH : [0.60, 0.30, 0.10]
        HIGH, LOW  : [0.25, 0.25, 0.50]
        HIGH, AVG  : [0.40, 0.40, 0.20]
        HIGH, HIGH : [0.70, 0.20, 0.10]
    }
    Stage : {1, 2, 3} ~ table(Raf) {
        false : [0.5, 0.3, 0.2]
        true  : [0.2, 0.3, 0.5]
    }
    Akt : bool ~ table(Stage, Raf) {
        1, 0 : [0.9, 0.1]
        1, 1 : [0.8, 0.2]
        2, 0 : [0.6, 0.4]
        2, 1 : [0.5, 0.5]
        3, 0 : [0.3, 0.7]
        3, 1 : [0.1, 0.9]
    }
    Tumour ~ table(Akt) {
        0 : [0.95, 0.05]
        1 : [0.70, 0.30]
    }
}

query P(Erk = HIGH | do(Mek = LOW))
query P(Akt = 1 | Stage = 3)
query P(Tumour)
