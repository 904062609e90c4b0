# Card (1995): does college raise wages?  Growing up near a four-year college (nearc4) shifts schooling
# but, by assumption, touches wages only through it.  Unmeasured ability confounds schooling and wages.
# Nonparametric version on binary variables: college = 16 or more years of schooling,
# highwage = log wage at or above the sample median.  The effect is not identified: sharp bounds.
model CardIV {
    nearc4 : bool
    college : bool <- nearc4
    highwage : bool <- college
    college <-> highwage
}

data "card_binary.csv"

query ace = bounds E[highwage | do(college = 1)] - E[highwage | do(college = 0)]
query p1 = bounds P(highwage = 1 | do(college = 1))
query p0 = bounds P(highwage = 1 | do(college = 0))
