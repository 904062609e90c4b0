model Trial
{
    Treated : bool
    Recovered : bool <- Treated
}
