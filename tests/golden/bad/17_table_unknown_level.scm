model Sachs {
    Mek : {LOW, AVG, HIGH}
    Erk : {LOW, AVG, HIGH} ~ table(Mek) {
        LOW  : [0.1, 0.2, 0.7]
        MID  : [0.3, 0.3, 0.4]
        HIGH : [0.6, 0.3, 0.1]
    }
}
