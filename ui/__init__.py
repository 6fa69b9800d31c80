"""Streamlit chat UI (issue: UI). Nothing here yet."""
