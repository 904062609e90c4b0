model Sachs {
    Mek : {LOW, AVG, HIGH}
    PKA : bool
    Erk : {LOW, AVG, HIGH} ~ table(Mek, PKA) {
        LOW,  0 : [0.10, 0.20, 0.70]
        LOW,  1 : [0.30, 0.30, 0.40]
        AVG,  0 : [0.20, 0.30, 0.50]
        AVG,  1 : [0.50, 0.30, 0.20]
        HIGH, 0 : [0.60, 0.30, 0.10]
    }
}
