"""The year's calendar of dated duties (the plan's work plans, self-reports and the bureau's report)
and the documents units answer them with (docs/duties.md)."""
