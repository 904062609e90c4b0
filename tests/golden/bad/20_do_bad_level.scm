model Sachs {
    Mek : {LOW, AVG, HIGH}
    Erk : {LOW, AVG, HIGH} <- Mek
}

query P(Erk = HIGH | do(Mek = MEDIUM))
