model Grades {
    Difficulty : bool
    Grade : {A, B, C} ~ table(Difficulty) {
        0 : [0.3, 0.7]
        1 : [0.1, 0.3, 0.6]
    }
}
