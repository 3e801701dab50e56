"""Career Radar's pure core: questionnaire models, loading, scoring, interpretation, statistics.

Nothing here imports streamlit or sqlalchemy (tests/test_architecture.py enforces it).
"""
