"""Career Radar's application services: what happens to a submission, between the UI and the store.

``service.submissions`` is the one place where a submission is checked, scored, flagged and recorded;
``service.bulk`` does the same for many responses at once, and ``service.demo`` loads demo data
through both. ``storage`` records what it is given and never scores.
"""
