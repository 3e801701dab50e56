"""Candidate page. The code lives in ui/quiz_view.py: an imported module is compiled once per process."""

from ui.quiz_view import main

main()
