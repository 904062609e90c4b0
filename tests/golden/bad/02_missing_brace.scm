model Sprinkler {
    Rain : bool
    Sprinkler : bool <- Rain
    Wet : bool <- Rain, Sprinkler

query P(Wet = 1 | do(Sprinkler = 1))
