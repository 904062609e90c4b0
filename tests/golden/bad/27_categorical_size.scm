model Survey {
    Income : {low, mid, high} ~ Categorical([0.5, 0.5])
}
