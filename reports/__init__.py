"""What people read: result charts, the PDF, answer exports, the scenario debrief, the conversation brief and
the recruiter's prep sheet. Pure functions over the questionnaire core's results; no Streamlit, no SQL."""
