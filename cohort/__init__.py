"""Cohort analytics for coaches: filtered aggregates, distributions, comparisons, weak-item rules and the
percentile snapshot. Pure functions over frames and counts; no Streamlit, no SQL."""
